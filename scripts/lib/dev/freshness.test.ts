import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  isUp,
  lastUp,
  migrationNames,
  needsBuild,
  recordUp,
  sourceHashes,
  sourceHashVariable,
} from './freshness.ts';
import { parseDockerPs } from './progress.ts';
import { devService } from './testing.ts';

const service = devService;
const root = path.resolve(import.meta.dirname, '../../..');
const scratch = mkdtempSync(path.join(tmpdir(), 'kit-freshness-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('what npm run dev can skip', () => {
  it('builds an image only when it is absent or labelled with another source hash', () => {
    const built = [
      service('gateway', { dockerfile: 'x' }),
      service('web', { dockerfile: 'x' }),
      service('postgres'),
    ];
    const hashes = new Map([
      ['gateway', 'aaa'],
      ['web', 'bbb'],
    ]);
    const labels = new Map([
      ['telemetry-kit/gateway:dev', 'aaa'],
      ['telemetry-kit/web:dev', 'old'],
    ]);
    expect(needsBuild(built, hashes, labels).map((s) => s.name)).toEqual(['web']);
    expect(needsBuild(built, hashes, new Map()).map((s) => s.name)).toEqual(['gateway', 'web']);
    expect(sourceHashVariable('llm-emulator')).toBe('SOURCE_HASH_LLM_EMULATOR');
  });

  it('hashes a service by its own build inputs: another service’s edit leaves it alone', async () => {
    const args = { NODE_IMAGE: 'node:x', SERVICE_VERSION: 'abc' };
    const services = [
      { name: 'gateway', dockerfile: 'services/Dockerfile' },
      { name: 'marketplace', dockerfile: 'services/Dockerfile' },
    ];
    const before = await sourceHashes(services, args, root);
    const probe = path.join(root, 'services/marketplace/src/.freshness-probe.ts');
    writeFileSync(probe, 'export {};\n');
    try {
      const after = await sourceHashes(services, args, root);
      expect(after.get('gateway')).toBe(before.get('gateway'));
      expect(after.get('marketplace')).not.toBe(before.get('marketplace'));
    } finally {
      rmSync(probe);
    }
    // Another base image is another image; another commit alone is not (the image keeps the one it was built from).
    const rebased = await sourceHashes(services, { ...args, NODE_IMAGE: 'node:y' }, root);
    expect(rebased.get('gateway')).not.toBe(before.get('gateway'));
    const committed = await sourceHashes(services, { ...args, SERVICE_VERSION: 'def' }, root);
    expect(committed).toEqual(before);
  });

  it('lists a service’s migrations as the migration table names them', () => {
    const dir = path.join(scratch, 'services/shop/migrations');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, '2_b.sql'), '');
    writeFileSync(path.join(dir, '1_a.sql'), '');
    writeFileSync(path.join(dir, 'README.md'), '');
    expect(migrationNames('shop', scratch)).toEqual(['1_a', '2_b']);
    expect(migrationNames('none', scratch)).toEqual([]);
  });

  it('counts a service up when running healthy, a one-shot when it exited 0', () => {
    const containers = parseDockerPs(
      [
        {
          Names: 'p-gateway-1',
          State: 'running',
          Status: 'Up 3 minutes (healthy)',
          Labels: 'a=b,com.docker.compose.service=gateway,org.opencontainers.image.revision=0123abc-dirty',
          Image: 'telemetry-kit/gateway:dev',
          Ports: '127.0.0.1:8080->8080/tcp',
        },
        {
          Names: 'p-web-1',
          State: 'running',
          Status: 'Up 3 seconds (health: starting)',
          Labels: 'com.docker.compose.service=web',
          Image: 'img:1.0',
          Ports: '',
        },
        {
          Names: 'p-m-1',
          State: 'exited',
          Status: 'Exited (0) 2 minutes ago',
          Labels: 'com.docker.compose.service=gateway-migrate',
          Image: 'img:1.0',
          Ports: '',
        },
        {
          Names: 'p-x-1',
          State: 'exited',
          Status: 'Exited (1) 2 minutes ago',
          Labels: 'com.docker.compose.service=x-migrate',
          Image: 'img:1.0',
          Ports: '',
        },
      ]
        .map((row) => JSON.stringify(row))
        .join('\n'),
    );
    expect(containers.map((c) => [c.service, c.health, c.exitCode])).toEqual([
      ['gateway', 'healthy', 0],
      ['web', 'starting', 0],
      ['gateway-migrate', '', 0],
      ['x-migrate', '', 1],
    ]);
    // What dev:status shows of it: the image, the commit it was built from, the port it publishes.
    expect(containers[0]).toMatchObject({
      image: 'telemetry-kit/gateway:dev',
      revision: '0123abc-dirty',
      hostPorts: [8080],
    });
    expect(containers[1]?.hostPorts).toEqual([]);
    expect(isUp(service('gateway'), containers)).toBe(true);
    expect(isUp(service('web'), containers)).toBe(false);
    // Still starting by Docker's count, but answering its readiness probe.
    expect(isUp(service('web'), containers, new Set(['web']))).toBe(true);
    expect(isUp(service('gateway-migrate', { oneShot: true }), containers)).toBe(true);
    expect(isUp(service('x-migrate', { oneShot: true }), containers)).toBe(false);
    expect(isUp(service('absent'), containers)).toBe(false);
  });

  it('remembers what the last up started, and with which configuration', () => {
    const stamp = path.join(scratch, 'last-up.json');
    expect(lastUp(stamp)).toBeUndefined();
    recordUp('hash-1', ['postgres', 'gateway'], stamp);
    expect(lastUp(stamp)).toEqual({ config: 'hash-1', started: ['postgres', 'gateway'] });
  });
});
