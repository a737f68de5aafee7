import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { buildOverlay } from '@telemetry-kit/observability-config/parity';
import { REPO_ROOT } from '@telemetry-kit/observability-config/paths';
import { loadServiceCatalogue } from '@telemetry-kit/observability-config/services';
import { PRE_PROMOTION_TEMPLATE, SMOKE } from '@telemetry-kit/observability-config/targets/rollouts';
import type { StartedPostgres } from '@telemetry-kit/service-kit/testing';
import { startPostgres } from '@telemetry-kit/service-kit/testing';
import type { StartedServiceContainer } from '@telemetry-kit/testkit';
import { resolveImage, ServiceContainer } from '@telemetry-kit/testkit';
import { describeWithContainers } from '@telemetry-kit/testkit/vitest';
import type { StartedNetwork } from 'testcontainers';
import { GenericContainer, Network, Wait } from 'testcontainers';
import { afterAll, beforeAll, expect, it } from 'vitest';

const exec = promisify(execFile);
const docker = async (...args: string[]) => (await exec('docker', args)).stdout.trim();

interface SmokeJobSpec {
  template: { spec: { containers: Array<{ image: string; command: string[] }> } };
}

describeWithContainers(
  'the service images, run as containers',
  { images: ['NODE_IMAGE', 'POSTGRES_IMAGE'] },
  () => {
    let network: StartedNetwork;
    let postgres: StartedPostgres;
    const services: Record<string, StartedServiceContainer> = {};
    const images: Record<string, string> = {};
    const common = { TELEMETRY_DRAIN_MS: '200', LOG_LEVEL: 'info' };

    // The gateway is built as a release is: with the commit baked in.
    const REVISION = 'test-revision-0123abcd';
    const start = async (name: string, env: Record<string, string>) => {
      const container = await ServiceContainer.fromWorkspace(
        name,
        name === 'gateway' ? { version: REVISION } : {},
      );
      images[name] = container.image;
      services[name] = await container
        .withNetwork(network)
        .withEnvironment({ ...common, ...env })
        .start();
      return services[name];
    };

    beforeAll(async () => {
      network = await new Network().start();
      postgres = await startPostgres(network);
      const db = { DATABASE_URL: postgres.networkUrl };
      // The one-shot migration step, as compose and the Kubernetes Job run it: the service image, another command.
      for (const { name, migrate } of loadServiceCatalogue(REPO_ROOT).filter((s) => s.migrate)) {
        const image = (await ServiceContainer.fromWorkspace(name)).image;
        const migration = await new GenericContainer(image)
          .withNetwork(network)
          .withEnvironment(db)
          .withCommand(migrate as string[])
          .withWaitStrategy(Wait.forOneShotStartup())
          .withStartupTimeout(120_000)
          .start();
        await migration.stop(); // it has exited; stopping removes it
      }
      await start('llm-emulator', { LLM_LATENCY_MEDIAN_MS: '10', LLM_LATENCY_P99_MS: '40' });
      await start('rituals', { LLM_BASE_URL: 'http://llm-emulator:8080/v1' });
      await start('marketplace', db);
      await start('gateway', {
        ...db,
        RITUALS_URL: 'http://rituals:8080',
        MARKETPLACE_URL: 'http://marketplace:8080',
      });
    });

    afterAll(async () => {
      for (const service of Object.values(services)) await service.stop().catch(() => {});
      await postgres?.stop();
      await network?.stop();
    });

    it('runs every service as the unprivileged user node, with a HEALTHCHECK', async () => {
      for (const [name, container] of Object.entries(services)) {
        const { output } = await container.exec(['id', '-u']);
        expect(output.trim(), `${name} runs as uid 1000 (node)`).toBe('1000');
        const healthcheck = await docker(
          'image',
          'inspect',
          '--format',
          '{{json .Config.Healthcheck.Test}}',
          images[name] as string,
        );
        expect(healthcheck, `${name} image has a HEALTHCHECK`).toContain('/healthz');
      }
    });

    it('bakes the commit in: the OCI revision label and service.version on its telemetry', async () => {
      const gateway = services.gateway as StartedServiceContainer;
      const label = await docker(
        'image',
        'inspect',
        '--format',
        '{{index .Config.Labels "org.opencontainers.image.revision"}}',
        images.gateway as string,
      );
      expect(label).toBe(REVISION);
      const page = await (await fetch(`${gateway.url}/metrics`)).text();
      expect(page).toMatch(new RegExp(`target_info\\{[^}]*service_version="${REVISION}"`));
      // A service built without one says so rather than inventing a version.
      const marketplace = await (
        await fetch(`${(services.marketplace as StartedServiceContainer).url}/metrics`)
      ).text();
      expect(marketplace).toMatch(/target_info\{[^}]*service_version="dev"/);
    });

    it('ships no dev dependencies and no test files', async () => {
      const { output } = await (services.gateway as StartedServiceContainer).exec([
        'sh',
        '-c',
        'ls /app/node_modules | grep -E "^(vitest|typescript|@biomejs|testcontainers|vite)$"; find /app -path /app/node_modules -prune -o -name "*.test.ts" -print',
      ]);
      expect(output.trim()).toBe('');
    });

    /** Signs a new user up through the gateway container and asks it for a ritual. */
    const requestRitual = async (email: string) => {
      const gateway = services.gateway as StartedServiceContainer;
      const signup = await fetch(`${gateway.url}/api/signup`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password: 'a long enough password', displayName: 'C' }),
      });
      expect(signup.status).toBe(201);
      const { token } = (await signup.json()) as { token: string };
      return fetch(`${gateway.url}/api/rituals`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ intention: 'a calm start' }),
      });
    };

    it('generates a ritual with real speech through the gateway container', async () => {
      const gateway = services.gateway as StartedServiceContainer;
      const ritual = await requestRitual('container@example.test');
      expect(ritual.status, await ritual.clone().text()).toBe(201);
      const { audioUrl } = (await ritual.json()) as { audioUrl: string };
      const audio = Buffer.from(await (await fetch(`${gateway.url}${audioUrl}`)).arrayBuffer());
      expect(audio.toString('ascii', 0, 4)).toBe('RIFF');
      expect(audio.length).toBeGreaterThan(20_000);
    });

    it('passes the pre-promotion smoke journey, run as its Job runs it, against the gateway', async () => {
      // The Job of the pre-promotion AnalysisTemplate the overlays ship: its image, its command, the
      // journey from its ConfigMap; the preview URL is the gateway container here.
      const objects = buildOverlay(REPO_ROOT, 'production') as Array<{
        kind: string;
        metadata: { name: string };
        spec?: { metrics: Array<{ name: string; provider: { job?: { spec: SmokeJobSpec } } }> };
        data?: Record<string, string>;
      }>;
      const template = objects.find(
        (o) => o.kind === 'AnalysisTemplate' && o.metadata.name === PRE_PROMOTION_TEMPLATE,
      );
      const job = template?.spec?.metrics.find((m) => m.name === 'smoke')?.provider.job?.spec;
      const [container] = job?.template.spec.containers ?? [];
      const script = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === SMOKE)?.data?.[
        'journey.mjs'
      ];
      if (!container || !script) throw new Error('no smoke Job or script in the production overlay');
      const run = async (journey: string) => {
        const command = container.command.map((arg) =>
          arg.replace('{{args.preview-url}}', 'http://gateway:8080').replace('{{args.journey}}', journey),
        );
        const smoke = await new GenericContainer(resolveImage('NODE_IMAGE'))
          .withNetwork(network)
          .withCopyContentToContainer([{ content: script, target: '/smoke/journey.mjs' }])
          .withCommand(command)
          .withWaitStrategy(Wait.forOneShotStartup())
          .withStartupTimeout(60_000)
          .start();
        await smoke.stop();
      };
      await run('api');
      // A journey that cannot pass fails the Job (a one-shot start that exits non-zero throws).
      await expect(run('page')).rejects.toThrow();
    });

    it('shuts down gracefully on SIGTERM (exit code 0)', async () => {
      const emulator = services['llm-emulator'] as StartedServiceContainer;
      const id = emulator.getId();
      await docker('kill', '--signal', 'TERM', id);
      await expect
        .poll(async () => docker('inspect', '--format', '{{.State.Status}}', id), { timeout: 20_000 })
        .toBe('exited');
      expect(await docker('inspect', '--format', '{{.State.ExitCode}}', id)).toBe('0');
    });

    it('keeps rituals ready, marked degraded, with its model gone, and answers generation with 503 and Retry-After', async () => {
      // Runs after the emulator was stopped above. A hosted model's outage must not take every replica
      // out of service (the Kubernetes readiness probe reads /readyz).
      const rituals = services.rituals as StartedServiceContainer;
      const response = await fetch(`${rituals.url}/readyz`);
      const body = (await response.json()) as { degraded: boolean; checks: { name: string; ok: boolean }[] };
      expect(response.status, JSON.stringify(body)).toBe(200);
      expect(body.degraded).toBe(true);
      expect(body.checks.find((check) => check.name === 'llm')?.ok).toBe(false);

      const ritual = await requestRitual('no-model@example.test');
      expect(ritual.status).toBe(503);
      expect(ritual.headers.get('retry-after')).toMatch(/^\d+$/);
    });
  },
);
