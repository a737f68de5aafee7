// `npm run dev -- --watch`: the services in their containers, an edit on the host seen in them (the
// sources are mounted) and the service restarted on it by its reload supervisor, with no image build
// and no container restart. Driven as a developer drives it: started, edited, stopped with Ctrl-C (the stack
// keeps running), taken down.
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describeWithContainers } from '@telemetry-kit/testkit/vitest';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { $ } from 'zx';
import { untilReloaded } from '../../scripts/lib/dev/reload.ts';
import { containerIds, devDown, PROJECT, root } from './dev-stack.ts';

const READY = 'Ctrl-C stops watching';
const EDITED = 'services/gateway/src/main.ts';
const GATEWAY = 'http://127.0.0.1:8080/healthz';

const quiet = $({ quiet: true, nothrow: true });
const gatewayContainer = async () =>
  (
    await quiet`docker ps --filter label=com.docker.compose.project=${PROJECT} --filter label=com.docker.compose.service=gateway --format {{.ID}}`
  ).stdout.trim();
const inspect = async (container: string, format: string) =>
  (await quiet`docker inspect --format ${format} ${container}`).stdout.trim();

interface Watching {
  output: () => string;
  stop: () => Promise<void>;
}

/** `npm run dev -- --watch --profile app` as a developer runs it, once it watches. */
async function startWatching(): Promise<Watching> {
  const child: ChildProcess = spawn(
    path.join(root, 'node_modules/.bin/tsx'),
    ['scripts/dev.ts', '--watch', '--profile', 'app'],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  for (const stream of [child.stdout, child.stderr]) stream?.on('data', (chunk) => (output += String(chunk)));
  const deadline = Date.now() + 600_000;
  while (!output.includes(READY)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      throw new Error(`npm run dev -- --watch did not get to watching:\n${output.slice(-3000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
  return {
    output: () => output,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGINT');
      await exited;
    },
  };
}

describeWithContainers(
  'npm run dev -- --watch: an edit reaches the service in its container without an image build',
  { images: ['NODE_IMAGE', 'POSTGRES_IMAGE'] },
  () => {
    let first: Watching;

    beforeAll(async () => {
      await devDown();
      first = await startWatching();
    }, 620_000);

    afterAll(async () => {
      await first?.stop();
      await devDown();
    }, 120_000);

    it('shows an edit in the container and answers from the restarted service, with no image built', async () => {
      const container = await gatewayContainer();
      const image = await inspect(container, '{{.Image}}');
      const startedAt = await inspect(container, '{{.State.StartedAt}}');
      const file = path.join(root, EDITED);
      const original = readFileSync(file, 'utf8');
      const marker = `// edited by test/dev/dev-watch.int.test.ts ${Date.now()}`;
      try {
        const reloaded = untilReloaded(GATEWAY, { timeoutMs: 180_000 });
        appendFileSync(file, `\n${marker}\n`);
        await reloaded;
        expect((await quiet`docker exec ${container} cat /app/${EDITED}`).stdout).toContain(marker);
      } finally {
        writeFileSync(file, original);
      }
      await untilReloaded(GATEWAY, { timeoutMs: 180_000 });
      expect((await quiet`docker exec ${container} cat /app/${EDITED}`).stdout).toBe(original);
      expect(await gatewayContainer(), 'the same container').toBe(container);
      expect(await inspect(container, '{{.State.StartedAt}}'), 'the container was not restarted').toBe(
        startedAt,
      );
      expect(await inspect(container, '{{.Image}}'), 'no image was built').toBe(image);
    }, 400_000);

    it('stops watching on Ctrl-C and leaves the services running', async () => {
      await first.stop();
      const response = await fetch(GATEWAY);
      expect(response.status).toBe(200);
    });

    it('running it again with nothing changed builds, runs and restarts nothing', async () => {
      const before = await containerIds();
      const again = await startWatching();
      try {
        expect(again.output()).toContain('already up, nothing changed');
        expect(await containerIds()).toEqual(before);
      } finally {
        await again.stop();
      }
    }, 320_000);
  },
);
