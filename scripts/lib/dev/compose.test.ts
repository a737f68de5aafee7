import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cachedProject, configInputs, runtimeConfigHash } from './compose.ts';

const saved = { ...process.env };
afterEach(() => {
  for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
  Object.assign(process.env, saved);
});

describe("the cache of compose's resolved configuration", () => {
  it('is keyed by the variables the compose files interpolate, and no others', () => {
    const before = configInputs();
    process.env.UNRELATED_TO_COMPOSE = 'x';
    expect(configInputs(), 'a variable compose never reads').toBe(before);
    process.env.GATEWAY_PORT = '18080';
    expect(configInputs(), 'GATEWAY_PORT moves a published port').not.toBe(before);
  });

  it('is keyed by the COMPOSE_* settings and by the files selected', () => {
    const before = configInputs();
    process.env.COMPOSE_PROJECT_NAME = 'another';
    expect(configInputs()).not.toBe(before);
    delete process.env.COMPOSE_PROJECT_NAME;
    expect(configInputs({ native: true })).not.toBe(before);
  });

  it('answers only for the inputs it was resolved from', () => {
    const cache = path.join(mkdtempSync(path.join(tmpdir(), 'kit-config-')), 'compose-config.json');
    const config = JSON.stringify({ name: 'telemetry-kit', services: { prometheus: { image: 'p:1' } } });
    writeFileSync(cache, JSON.stringify({ inputs: 'abc', config }));
    expect(cachedProject('abc', cache)?.services.map((s) => s.name)).toEqual(['prometheus']);
    expect(cachedProject('abd', cache)).toBeUndefined();
    expect(cachedProject('abc', `${cache}.missing`)).toBeUndefined();
  });
});

describe('what the containers run with (the hash `up` compares with its last start)', () => {
  const gateway = (version: string, port: string) => ({
    name: 'telemetry-kit',
    'x-build-args': { SERVICE_VERSION: version },
    services: {
      gateway: {
        image: 'telemetry-kit/gateway:dev',
        build: { context: '/repo', args: { SERVICE_VERSION: version } },
        environment: { PORT: port },
      },
    },
  });

  it('leaves out the builds, as compose does: a new commit changes no container', () => {
    expect(runtimeConfigHash(gateway('abc', '8080'))).toBe(runtimeConfigHash(gateway('def', '8080')));
    expect(runtimeConfigHash(gateway('abc', '8080'))).not.toBe(runtimeConfigHash(gateway('abc', '8081')));
  });
});
