import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

// Runs the integration project in a child process that cannot reach any container engine: in a private
// mount namespace the engine's socket is covered by /dev/null (root and unshare needed for that; on a
// machine with no socket at all, the plain child process already has no engine).
const root = path.resolve(import.meta.dirname, '../..');
const socket = '/var/run/docker.sock';
const isRoot = process.getuid?.() === 0;
const hasUnshare = spawnSync('unshare', ['--help']).status === 0;
const canHideEngine = !existsSync(socket) || (isRoot && hasUnshare);

function runIntegrationWithoutEngine(ci: boolean) {
  const vitest = path.join(root, 'node_modules/.bin/vitest');
  const command = `${vitest} run --project integration test/foundation`;
  const script = existsSync(socket)
    ? `mount --bind /dev/null ${socket} && exec ${command}`
    : `exec ${command}`;
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !key.startsWith('VITEST') && key !== 'DOCKER_HOST'),
  );
  env.CI = ci ? 'true' : 'false';
  env.NO_COLOR = '1';
  const argv = existsSync(socket) ? ['unshare', '-m', 'sh', '-c', script] : ['sh', '-c', script];
  const result = spawnSync(argv[0] as string, argv.slice(1), {
    cwd: root,
    env,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

// Each test runs a whole Vitest process, which takes seconds on a loaded two-core machine.
describe.skipIf(!canHideEngine)(
  'integration tests on a machine without a container engine',
  { timeout: 180_000 },
  () => {
    it('skip, one line per file, naming the unreachable engine', () => {
      const { status, output } = runIntegrationWithoutEngine(false);
      expect(output).toMatch(
        /skipped: Docker engine not reachable at \/var\/run\/docker\.sock .* — start Docker/,
      );
      const integrationFiles = readdirSync(import.meta.dirname).filter((f) => f.endsWith('.int.test.ts'));
      expect(output.match(/skipped: /g)?.length, 'one skip line per integration file').toBe(
        integrationFiles.length,
      );
      expect(status, output).toBe(0);
    });

    it('fail under CI=true instead of skipping', () => {
      const { status, output } = runIntegrationWithoutEngine(true);
      expect(output).toContain('CI=true: Docker engine not reachable');
      expect(status, output).not.toBe(0);
    });
  },
);

if (!canHideEngine) {
  describe('integration tests on a machine without a container engine', () => {
    it.skip(`skipped: hiding ${socket} needs root and unshare(1)`, () => {});
  });
}
