import { chmodSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RunningServices } from '@telemetry-kit/testkit';
import { resolveImage, scrapeJobs, writeActiveTargets } from '@telemetry-kit/testkit';
import { describeWithContainers } from '@telemetry-kit/testkit/vitest';
import { describe, expect, it } from 'vitest';
import { $ } from 'zx';
import {
  ACTIVE_TARGETS_DIR,
  COMPOSE_FILE,
  composeArgs,
  inspectImages,
  NATIVE_COMPOSE_FILE,
  PIN_FILE,
} from '../../scripts/lib/dev/compose.ts';
import { PROBES_COMPOSE_FILE, probedServices, writeProbesOverlay } from '../../scripts/lib/dev/probes.ts';
import { root } from './dev-stack.ts';

const quiet = $({ quiet: true, nothrow: true, cwd: root });

const PROFILE_SETS: string[][] = [[], ['app'], ['telemetry'], ['app', 'telemetry']];

const servicesOf = async (profiles: string[], native: boolean) => {
  const result = await quiet`docker ${composeArgs({ profiles, native })} config --services`;
  expect(result.exitCode, result.stderr).toBe(0);
  return result.stdout.trim().split('\n').filter(Boolean).sort();
};

describeWithContainers(
  'docker compose config (compose v2) over every profile combination',
  { images: [] },
  () => {
    for (const native of [false, true]) {
      for (const profiles of PROFILE_SETS) {
        it(`is valid with profiles [${profiles.join(', ')}]${native ? ' and the --native overlay' : ''}`, async () => {
          const result = await quiet`docker ${composeArgs({ profiles, native })} config --quiet`;
          expect(result.exitCode, result.stderr).toBe(0);
        });
      }
    }

    it('selects the app with `app`, the stack with `telemetry`, both with both', async () => {
      const app = await servicesOf(['app'], false);
      const telemetry = await servicesOf(['telemetry'], false);
      expect(app).toEqual([
        'gateway',
        'gateway-migrate',
        'llm-emulator',
        'marketplace',
        'marketplace-migrate',
        'postgres',
        'rituals',
        'web',
      ]);
      expect(telemetry).toEqual(
        expect.arrayContaining([
          'alertmanager',
          'alloy',
          'grafana',
          'loki',
          'node-exporter',
          'prometheus',
          'tempo',
        ]),
      );
      expect(await servicesOf(['app', 'telemetry'], false)).toEqual([...app, ...telemetry].sort());
      expect(await servicesOf([], false)).toEqual([]);
    });

    it('refuses to run without the pin file, naming the missing variable', async () => {
      const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.endsWith('_IMAGE')));
      const result = await $({
        quiet: true,
        nothrow: true,
        cwd: root,
        env,
      })`docker compose -f ${COMPOSE_FILE} --profile telemetry config --quiet`;
      expect(result.exitCode).not.toBe(0);
      expect(result.stderr).toMatch(/_IMAGE is pinned in images\.env/);
    });

    it('lets an environment variable override a pin, as images.env promises', async () => {
      const result = await $({
        quiet: true,
        nothrow: true,
        cwd: root,
        env: { ...process.env, PROMETHEUS_IMAGE: 'mirror.example/prometheus:v2.53.3' },
      })`docker compose --env-file ${PIN_FILE} -f ${COMPOSE_FILE} --profile telemetry config --format json`;
      const config = JSON.parse(result.stdout) as { services: Record<string, { image: string }> };
      expect(config.services.prometheus?.image).toBe('mirror.example/prometheus:v2.53.3');
    });

    it('takes the probes overlay: a probe a second while starting, every 5 s after', async () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'probes-'));
      writeProbesOverlay(dir, COMPOSE_FILE, '1.44');
      const overlay = path.join(dir, PROBES_COMPOSE_FILE);
      const result =
        await quiet`docker compose --env-file ${PIN_FILE} -f ${COMPOSE_FILE} -f ${overlay} --profile app --profile telemetry config --format json`;
      expect(result.exitCode, result.stderr).toBe(0);
      const config = JSON.parse(result.stdout) as {
        services: Record<string, { healthcheck?: { interval?: string; start_interval?: string } }>;
      };
      for (const service of probedServices(COMPOSE_FILE)) {
        expect(config.services[service]?.healthcheck, service).toMatchObject({
          interval: '5s',
          start_interval: '1s',
        });
      }
    });

    it('under --native, Prometheus reads the targets npm run dev writes and can reach the host', async () => {
      const result =
        await quiet`docker ${composeArgs({ native: true, profiles: ['telemetry'] })} config --format json`;
      const config = JSON.parse(result.stdout) as {
        services: {
          prometheus: { volumes: Array<{ source: string; target: string }>; extra_hosts: string[] };
        };
      };
      const targets = config.services.prometheus.volumes.find((v) => v.target === '/etc/prometheus/targets');
      expect(targets?.source).toBe(ACTIVE_TARGETS_DIR);
      expect(config.services.prometheus.extra_hosts).toEqual(['host.docker.internal=host-gateway']);
      expect(NATIVE_COMPOSE_FILE).toMatch(/compose\.native\.yaml$/);
    });
  },
);

const compose = (file: string) => path.join(root, 'compose', file);

describeWithContainers(
  'promtool check config: compose/prometheus/prometheus.yml with its targets and rule files',
  { images: ['PROMETHEUS_IMAGE'] },
  () => {
    const everything = [...scrapeJobs().keys()];
    const app = ['gateway', 'rituals', 'marketplace', 'llm-emulator', 'web'];
    const runs: Record<string, RunningServices> = {
      'everything in containers': { inContainers: everything },
      'the services on the host (--native)': {
        inContainers: everything.filter((job) => !app.includes(job)),
        onHost: app,
      },
      'the telemetry profile only': { inContainers: ['prometheus', 'alertmanager', 'node-exporter'] },
    };
    for (const [name, running] of Object.entries(runs)) {
      it(`is valid with the targets npm run dev writes for ${name}`, async () => {
        const targets = mkdtempSync(path.join(os.tmpdir(), 'prometheus-targets-'));
        writeActiveTargets(running, targets);
        chmodSync(targets, 0o755);
        const mounts = [
          `${compose('prometheus/prometheus.yml')}:/etc/prometheus/prometheus.yml:ro`,
          `${targets}:/etc/prometheus/targets:ro`,
          `${compose('prometheus/rules')}:/etc/prometheus/rules:ro`,
        ].flatMap((mount) => ['-v', mount]);
        const image = resolveImage('PROMETHEUS_IMAGE');
        const result =
          await quiet`docker run --rm --entrypoint promtool ${mounts} ${image} check config /etc/prometheus/prometheus.yml`;
        const output = `${result.stdout}${result.stderr}`;
        expect(result.exitCode, output).toBe(0);
        expect(output).toMatch(/SUCCESS: .*prometheus\.yml is valid prometheus config file syntax/);
        expect(output, 'every target file exists').not.toMatch(/WARNING/);
      });
    }
  },
);

describe('the Alertmanager configuration', () => {
  describeWithContainers('amtool check-config', { images: ['ALERTMANAGER_IMAGE'] }, () => {
    it('passes compose/alertmanager/alertmanager.yml', async () => {
      const mount = `${compose('alertmanager/alertmanager.yml')}:/etc/alertmanager/alertmanager.yml:ro`;
      const image = resolveImage('ALERTMANAGER_IMAGE');
      const result =
        await quiet`docker run --rm --entrypoint amtool -v ${mount} ${image} check-config /etc/alertmanager/alertmanager.yml`;
      expect(result.exitCode, `${result.stdout}${result.stderr}`).toBe(0);
      expect(result.stdout).toMatch(/SUCCESS/);
    });

    it('fails a route to a receiver that does not exist', async () => {
      const result = await $({
        quiet: true,
        nothrow: true,
        input: 'route:\n  receiver: nobody\nreceivers:\n  - name: local-ui\n',
      })`docker run --rm -i --entrypoint sh ${resolveImage('ALERTMANAGER_IMAGE')} -c ${'cat > /tmp/a.yml && amtool check-config /tmp/a.yml'}`;
      expect(result.exitCode).not.toBe(0);
      expect(`${result.stdout}${result.stderr}`).toMatch(/undefined receiver "nobody"/);
    });
  });
});

describeWithContainers(
  'inspectImages: several images in one docker call',
  { images: ['PROMETHEUS_IMAGE', 'POSTGRES_IMAGE'] },
  () => {
    it('answers for each image present, in any order, and leaves out one the engine does not have', async () => {
      const prometheus = resolveImage('PROMETHEUS_IMAGE');
      const postgres = resolveImage('POSTGRES_IMAGE');
      const absent = 'telemetry-kit/not-built-anywhere:0';
      const ids = await inspectImages([postgres, absent, prometheus, postgres], '{{.Id}}');
      expect([...ids.keys()].sort()).toEqual([postgres, prometheus].sort());
      for (const [image, id] of ids) {
        expect(id).toBe((await quiet`docker image inspect --format {{.Id}} ${image}`).stdout.trim());
      }
      expect(await inspectImages([absent], '{{.Id}}')).toEqual(new Map());
    });
  },
);
