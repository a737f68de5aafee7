// `npm run dev -- --native`: Postgres and the telemetry stack in containers, the Node services on the
// host under the reload supervisor. Driven as a developer drives it: started, answering on the host ports
// of the service catalogue, reloading a service when one of its files changes, stopped with Ctrl-C.
import type { ChildProcess } from 'node:child_process';
import { execFileSync, spawn } from 'node:child_process';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describeWithContainers } from '@telemetry-kit/testkit/vitest';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { NATIVE_PORTS } from '../../scripts/lib/dev/native.ts';
import { RELOADER } from '../../scripts/lib/dev/watch.ts';
import { devDown, root } from './dev-stack.ts';

const READY = 'Ctrl-C stops the services on the host';
/** The gateway's startup line, as runNative prefixes it. */
const gatewayListening = (output: string) =>
  output.split('\n').filter((line) => /^gateway\s+│ .*"msg":"listening"/.test(line)).length;

describeWithContainers(
  'npm run dev -- --native: the services on the host, reloaded on an edit',
  {
    images: ['NODE_IMAGE', 'POSTGRES_IMAGE', 'PROMETHEUS_IMAGE', 'ALERTMANAGER_IMAGE', 'NODE_EXPORTER_IMAGE'],
  },
  () => {
    let child: ChildProcess;
    let output = '';

    beforeAll(async () => {
      await devDown();
      child = spawn(path.join(root, 'node_modules/.bin/tsx'), ['scripts/dev.ts', '--native'], {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      for (const stream of [child.stdout, child.stderr])
        stream?.on('data', (chunk) => (output += String(chunk)));
      const deadline = Date.now() + 300_000;
      while (!output.includes(READY)) {
        if (child.exitCode !== null || Date.now() > deadline) {
          throw new Error(`npm run dev -- --native did not get ready:\n${output.slice(-3000)}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
    }, 320_000);

    afterAll(async () => {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGINT');
        await exited;
      }
      await devDown();
    }, 120_000);

    it('answers on the host ports the service catalogue gives the services', async () => {
      for (const service of ['gateway', 'marketplace', 'rituals', 'web']) {
        const port = NATIVE_PORTS[service];
        await expect
          .poll(async () => (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.status, {
            timeout: 60_000,
            interval: 500,
          })
          .toBe(200);
      }
    });

    it('restarts a service when one of its files changes, and it answers again', async () => {
      await expect.poll(() => gatewayListening(output), { timeout: 30_000 }).toBeGreaterThan(0);
      const before = gatewayListening(output);
      const file = path.join(root, 'services/gateway/src/config.ts');
      const original = readFileSync(file, 'utf8');
      try {
        appendFileSync(file, '\n// edited by test/dev/dev-native.int.test.ts\n');
        await expect
          .poll(() => gatewayListening(output), { timeout: 30_000, interval: 200 })
          .toBe(before + 1);
      } finally {
        writeFileSync(file, original);
      }
      // Listening comes first; ready follows once its checks (Postgres, rituals, marketplace) answer.
      await expect
        .poll(
          async () =>
            (await fetch(`http://127.0.0.1:${NATIVE_PORTS.gateway}/readyz`).catch(() => undefined))?.status,
          { timeout: 30_000, interval: 500 },
        )
        .toBe(200);
    });

    it('stops the services on the host with Ctrl-C, leaving the containers to dev:down', async () => {
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGINT');
      await exited;
      await expect
        .poll(
          async () =>
            (await fetch(`http://127.0.0.1:${NATIVE_PORTS.gateway}/readyz`).catch(() => undefined))?.status,
          {
            timeout: 20_000,
          },
        )
        .toBeUndefined();
      // Neither a supervisor nor a service's spare outlives Ctrl-C (as started from the workspace root).
      const processes = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).split('\n');
      expect(processes.filter((line) => line.startsWith(`node ${RELOADER} `))).toEqual([]);
      expect(processes.filter((line) => line.includes('reload/spare.ts services/'))).toEqual([]);
    });
  },
);
