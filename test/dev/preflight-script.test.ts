import { chmodSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { $ } from 'zx';

// The real `npm run dev` script, run against broken machines: each failure is one line and exit 1.
const root = path.resolve(import.meta.dirname, '../..');
const tsx = path.join(root, 'node_modules/.bin/tsx');
const nodeDir = path.dirname(process.execPath);

const dev = (env: NodeJS.ProcessEnv) =>
  $({ cwd: root, env: { ...process.env, ...env }, nothrow: true, quiet: true })`${tsx} scripts/dev.ts`;

// Each case starts the script (tsx, zx, compose config): seconds, not milliseconds.
describe('npm run dev on a machine that cannot run it', { timeout: 60_000 }, () => {
  it('says the engine is not reachable, where it looked, and exits 1', async () => {
    const result = await dev({ DOCKER_HOST: 'unix:///nonexistent/docker.sock' });
    expect(result.exitCode).toBe(1);
    const lines = `${result.stdout}${result.stderr}`.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^✗ Docker engine not reachable at unix:\/\/\/nonexistent\/docker\.sock .*— start Docker/,
    );
  });

  it('says compose v2 is missing when `docker compose` does not answer', async () => {
    const bin = mkdtempSync(path.join(os.tmpdir(), 'no-compose-'));
    // A docker CLI whose compose plugin is missing; every other command reaches the real engine.
    writeFileSync(
      path.join(bin, 'docker'),
      '#!/bin/sh\nif [ "$1" = compose ]; then echo "docker: \'compose\' is not a docker command." >&2; exit 1; fi\nif [ "$1" = version ]; then echo 20.10.0; exit 0; fi\nexit 1\n',
    );
    chmodSync(path.join(bin, 'docker'), 0o755);
    const result = await dev({ PATH: `${bin}:${nodeDir}:/usr/bin:/bin` });
    expect(result.exitCode).toBe(1);
    expect(`${result.stdout}${result.stderr}`.trim()).toBe(
      '✗ docker compose v2 not found — install the Docker Compose v2 plugin (`docker compose version` must answer), or open the devcontainer',
    );
  });

  it('says there is no docker CLI at all', async () => {
    const bin = mkdtempSync(path.join(os.tmpdir(), 'no-docker-'));
    symlinkSync('/bin/sh', path.join(bin, 'sh'));
    symlinkSync('/bin/bash', path.join(bin, 'bash'));
    const result = await dev({ PATH: `${bin}:${nodeDir}` });
    expect(result.exitCode).toBe(1);
    expect(`${result.stdout}${result.stderr}`.trim()).toMatch(/^✗ docker CLI not found on PATH — /);
  });
});
