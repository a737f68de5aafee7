import { rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { REPO_ROOT } from '@telemetry-kit/observability-config/paths';
import { pinnedImage } from '@telemetry-kit/observability-config/pins';
import { describeWithContainers } from '@telemetry-kit/testkit/vitest';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { $ } from 'zx';
import { composeArgs } from '../../scripts/lib/dev/compose.ts';
import { engineApiVersion, hasStartInterval } from '../../scripts/lib/dev/probes.ts';
import type { VerbResult } from './dev-stack.ts';
import {
  containerIds,
  devDown,
  devUp,
  missingDockerfiles,
  projectContainers,
  projectNetworks,
  promQuery,
  runVerb,
  SERVICES,
} from './dev-stack.ts';

const UNBUILDABLE_HERE = {
  GRAFANA_IMAGE: 'grafana',
  LOKI_IMAGE: 'loki',
  TEMPO_IMAGE: 'tempo',
  ALLOY_IMAGE: 'alloy',
};

const healthyOrDone = (c: { state: string; health: string; exitCode: number }) =>
  (c.state === 'running' && (c.health === 'healthy' || c.health === '')) ||
  (c.state === 'exited' && c.exitCode === 0);

describeWithContainers(
  'npm run dev -- --profile telemetry: the stack that runs here comes up, idempotently, and goes away',
  { images: ['PROMETHEUS_IMAGE', 'ALERTMANAGER_IMAGE', 'NODE_EXPORTER_IMAGE'] },
  () => {
    let first: VerbResult;

    beforeAll(async () => {
      // Prometheus' data from an earlier run would still answer `up` for services this profile leaves out.
      await devDown('--volumes');
      first = await devUp('--profile', 'telemetry');
    });

    afterAll(async () => {
      await devDown();
    });

    it('exits 0 with every container it started healthy', async () => {
      expect(first.exitCode, first.output).toBe(0);
      const containers = await projectContainers();
      expect(containers.map((c) => c.service)).toEqual(
        expect.arrayContaining(['prometheus', 'alertmanager']),
      );
      for (const c of containers) expect(healthyOrDone(c), `${c.service}: ${c.state} ${c.health}`).toBe(true);
    });

    it('prints each component with its start time, then the URLs of Prometheus and Alertmanager', () => {
      expect(first.output).toMatch(/✓ prometheus +healthy +\d+\.\ds/);
      expect(first.output).toMatch(/✓ alertmanager +healthy +\d+\.\ds/);
      expect(first.output).toMatch(/Prometheus +http:\/\/localhost:9090\//);
      expect(first.output).toMatch(/Alertmanager +http:\/\/localhost:9093\//);
    });

    it('names, in one line, each component whose image is missing here', () => {
      const engine = inject('containerEngine');
      const missing = Object.entries(UNBUILDABLE_HERE)
        .filter(([key]) => engine.missingImages[key] !== undefined)
        .map(([, service]) => service);
      const lines = first.output.split('\n').filter((line) => line.includes('Left out'));
      if (missing.length === 0) {
        expect(lines).toEqual([]);
        return;
      }
      expect(lines).toHaveLength(1);
      for (const service of missing) expect(lines[0]).toMatch(new RegExp(`\\b${service}\\b`));
    });

    it('Prometheus scrapes Alertmanager and itself, and has Alertmanager as its alert receiver', async () => {
      await expect
        .poll(async () => (await promQuery('up{job=~"prometheus|alertmanager"}')).map((s) => s.value[1]), {
          timeout: 30_000,
          interval: 1_000,
        })
        .toEqual(['1', '1']);
      const response = await fetch('http://localhost:9090/api/v1/alertmanagers');
      const body = (await response.json()) as { data: { activeAlertmanagers: Array<{ url: string }> } };
      expect(body.data.activeAlertmanagers.map((a) => a.url)).toEqual([
        'http://alertmanager:9093/api/v2/alerts',
      ]);
    });

    it('does not scrape what it did not start, so nothing left out can page as ServiceDown', async () => {
      // Scraping has begun (prometheus and alertmanager answer), and every job's targets are loaded.
      await expect
        .poll(async () => (await promQuery('up{job="alertmanager"}')).length, { timeout: 30_000 })
        .toBe(1);
      // The reference services (not in this profile) and whatever had no image here.
      const engine = inject('containerEngine');
      const leftOut = Object.entries(UNBUILDABLE_HERE)
        .filter(([key]) => engine.missingImages[key] !== undefined)
        .map(([, service]) => service);
      const jobs = [...SERVICES, ...leftOut];
      expect(
        await promQuery(`up{job=~"${jobs.join('|')}"}`),
        `scraped although not started: ${jobs.join(', ')}`,
      ).toEqual([]);
      expect(await promQuery('ALERTS{alertname="ServiceDown"}')).toEqual([]);
    });

    it('running it again changes nothing: same containers, exit 0', async () => {
      const before = await containerIds();
      const again = await devUp('--profile', 'telemetry');
      expect(again.exitCode, again.output).toBe(0);
      expect(await containerIds()).toEqual(before);
    });

    it('still sees a component it started go down (up == 0), the signal ServiceDown fires on', async () => {
      await $({ quiet: true })`docker ${composeArgs({ profiles: ['telemetry'] })} stop alertmanager`;
      await expect
        .poll(async () => (await promQuery('up{job="alertmanager"}')).map((s) => s.value[1]), {
          timeout: 30_000,
          interval: 1_000,
        })
        .toEqual(['0']);
    });

    it('dev:down removes every container and network of the project', async () => {
      const down = await devDown();
      expect(down.exitCode, down.output).toBe(0);
      expect(await containerIds()).toEqual([]);
      expect(await projectNetworks()).toEqual([]);
    });

    it('refuses to start when a published port is taken, naming the port and the process holding it', async () => {
      const server = net.createServer();
      await new Promise<void>((resolve) => server.listen(9093, '127.0.0.1', resolve));
      try {
        const result = await devUp('--profile', 'telemetry');
        expect(result.exitCode).toBe(1);
        expect(result.output).toMatch(
          new RegExp(
            `✗ port 9093 \\(alertmanager\\) is taken by node \\(pid ${process.pid}\\) — .*ALERTMANAGER_PORT=`,
          ),
        );
        expect(await containerIds(), 'nothing was started').toEqual([]);
      } finally {
        await new Promise((resolve) => server.close(resolve));
      }
    });

    it('names a component that exits while starting, with where to look, and exits 1', async () => {
      // Alertmanager's image given Prometheus's flags: it refuses them and exits.
      const alertmanager = process.env.ALERTMANAGER_IMAGE ?? pinnedImage(REPO_ROOT, 'ALERTMANAGER_IMAGE');
      try {
        const broken = await runVerb(['--profile', 'telemetry'], { PROMETHEUS_IMAGE: alertmanager });
        expect(broken.exitCode, broken.output).toBe(1);
        expect(broken.output).toMatch(
          /✗ prometheus +exited with code [1-9]\d* .*npm run dev:logs prometheus/,
        );
        expect(broken.output).toMatch(/✗ did not come up: prometheus \(exited with code [1-9]\d*\)/);
        expect(broken.output).not.toContain('ready in');
      } finally {
        await devDown();
      }
    });
  },
);

describeWithContainers(
  'npm run dev: the reference services with Prometheus and Alertmanager',
  {
    images: ['NODE_IMAGE', 'POSTGRES_IMAGE', 'PROMETHEUS_IMAGE', 'ALERTMANAGER_IMAGE', 'NODE_EXPORTER_IMAGE'],
  },
  () => {
    const missing = missingDockerfiles();
    if (missing.length > 0) {
      it.skip(`skipped: ${missing.join(', ')} not written yet`, () => {});
      return;
    }
    let result: VerbResult;

    beforeAll(async () => {
      // A first run: volumes from an earlier test would hold migrated schemas, and no migration would run.
      await devDown('--volumes');
      result = await devUp();
    });

    afterAll(async () => {
      await devDown();
    });

    it('exits 0 once every service answers its readiness probe, and the migration is done', async () => {
      expect(result.exitCode, result.output).toBe(0);
      // `up` asks the services it builds itself, before Docker's next probe: ready means answering now.
      for (const port of [8080, 3000]) {
        const response = await fetch(`http://127.0.0.1:${port}/readyz`);
        expect(response.status, `:${port}/readyz`).toBe(200);
      }
      for (const service of SERVICES)
        expect(result.output).toMatch(new RegExp(`✓ ${service} +(ready|healthy) `));
      const containers = await projectContainers();
      for (const service of [...SERVICES, 'postgres', 'prometheus', 'alertmanager']) {
        expect(
          containers.map((c) => c.service),
          service,
        ).toContain(service);
      }
      expect(containers.find((c) => c.service === 'marketplace-migrate')).toMatchObject({
        state: 'exited',
        exitCode: 0,
      });
      // Docker's own probe (every 5 s) agrees soon after.
      await expect
        .poll(
          async () => (await projectContainers()).filter((c) => !healthyOrDone(c)).map((c) => c.service),
          {
            timeout: 20_000,
            interval: 1_000,
          },
        )
        .toEqual([]);
    });

    it('probes every 5 s, and every second while starting where the engine has start_interval', async () => {
      const apiVersion = await engineApiVersion();
      expect(apiVersion, 'the engine answers its API version').toBeDefined();
      const gateway = (await projectContainers()).find((c) => c.service === 'gateway');
      const inspected = await $({
        quiet: true,
      })`docker inspect --format ${'{{json .Config.Healthcheck}}'} ${gateway?.name ?? 'no-gateway'}`;
      const healthcheck = JSON.parse(inspected.stdout) as { Interval: number; StartInterval?: number };
      expect(healthcheck.Interval).toBe(5e9);
      expect(healthcheck.StartInterval ?? 0).toBe(hasStartInterval(apiVersion ?? '') ? 1e9 : 0);
    });

    it('prints the web app and gateway URLs', () => {
      expect(result.output).toMatch(/Web app +http:\/\/localhost:3000\//);
      expect(result.output).toMatch(/Gateway API +http:\/\/localhost:8080\//);
    });

    it('Prometheus has every service up', async () => {
      const selector = `up{job=~"${SERVICES.join('|')}"}`;
      await expect
        .poll(
          async () => Object.fromEntries((await promQuery(selector)).map((s) => [s.metric.job, s.value[1]])),
          { timeout: 60_000, interval: 1_000 },
        )
        .toEqual(Object.fromEntries(SERVICES.map((s) => [s, '1'])));
    });

    it('running it again builds nothing, runs no migration and restarts nothing', async () => {
      const before = await containerIds();
      const again = await devUp();
      expect(again.exitCode, again.output).toBe(0);
      expect(again.output).toContain('already up, nothing changed');
      expect(again.output).not.toMatch(/building|pulling/);
      expect(await containerIds()).toEqual(before);
    });

    it('after a commit that changed no source, builds nothing and restarts nothing', async () => {
      const before = await containerIds();
      // What a new commit changes for `npm run dev`: the version it builds with (scripts/dev.ts, from git).
      const committed = await runVerb([], { SERVICE_VERSION: 'a-later-commit' });
      expect(committed.exitCode, committed.output).toBe(0);
      expect(committed.output).toContain('already up, nothing changed');
      expect(await containerIds()).toEqual(before);
    });

    it('after a source edit, rebuilds only that service and skips the migrations at head', async () => {
      const file = path.join(REPO_ROOT, 'services/llm-emulator/src/.dev-edit-probe.ts');
      writeFileSync(file, `export const probe = ${Date.now()};\n`);
      try {
        const edited = await devUp();
        expect(edited.exitCode, edited.output).toBe(0);
        expect(edited.output).toMatch(/… building llm-emulator \(/);
        expect(edited.output).toContain('gateway-migrate, marketplace-migrate: schema at head, not run');
      } finally {
        rmSync(file, { force: true });
      }
    });

    it('dev:down removes everything', async () => {
      expect((await devDown()).exitCode).toBe(0);
      expect(await containerIds()).toEqual([]);
      expect(await projectNetworks()).toEqual([]);
    });
  },
);
