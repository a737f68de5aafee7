import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { loadServiceCatalogue } from '@telemetry-kit/observability-config/services';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContainerStatus } from './progress.ts';
import { parseAddresses, ReadinessProber, readinessProbes } from './readiness.ts';

const root = path.resolve(import.meta.dirname, '../../..');

const container = (service: string, id: string, state = 'running'): ContainerStatus => ({
  service,
  name: `telemetry-kit-${service}-1`,
  id,
  state,
  health: 'starting',
  exitCode: 0,
});

describe('asking the services npm run dev builds whether they are ready', () => {
  let server: Server;
  let port: number;
  let ready = false;
  const asked: string[] = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      asked.push(request.url ?? '');
      response.statusCode = request.url === '/readyz' && ready ? 200 : 503;
      response.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('probes each catalogue service at the port and readiness path compose gives it', () => {
    const catalogue = loadServiceCatalogue(root);
    const probes = readinessProbes(catalogue);
    expect([...probes.keys()].sort()).toEqual(catalogue.map((s) => s.name).sort());
    for (const service of catalogue) {
      expect(probes.get(service.name)).toEqual({ port: service.port, path: service.readinessPath });
    }
    expect(probes.get('gateway')).toEqual({ port: 8080, path: '/readyz' });
  });

  it('reads each container’s address from docker inspect, by id', () => {
    expect(parseAddresses('abc 172.18.0.4\ndef\nghi 172.18.0.9 10.0.0.2\n')).toEqual(
      new Map([
        ['abc', '172.18.0.4'],
        ['ghi', '172.18.0.9'],
      ]),
    );
  });

  it('counts a running container only once it answers 200, looking up each address once', async () => {
    const lookups: string[][] = [];
    const prober = new ReadinessProber(new Map([['gateway', { port, path: '/readyz' }]]), async (ids) => {
      lookups.push([...ids]);
      return new Map(ids.map((id) => [id, '127.0.0.1']));
    });
    const containers = [container('gateway', 'id-1'), container('web', 'id-2')];
    ready = false;
    expect(await prober.answering(containers, ['gateway', 'web'])).toEqual(new Set());
    ready = true;
    expect(await prober.answering(containers, ['gateway', 'web'])).toEqual(new Set(['gateway']));
    expect(asked.at(-1)).toBe('/readyz');
    // web has no probe; gateway's address was looked up once.
    expect(lookups).toEqual([['id-1']]);
  });

  it('asks neither a container that is not running, nor a service it was not asked about', async () => {
    ready = true;
    const prober = new ReadinessProber(
      new Map([['gateway', { port, path: '/readyz' }]]),
      async (ids) => new Map(ids.map((id) => [id, '127.0.0.1'])),
    );
    expect(await prober.answering([container('gateway', 'id-3', 'exited')], ['gateway'])).toEqual(new Set());
    expect(await prober.answering([container('gateway', 'id-4')], ['web'])).toEqual(new Set());
  });

  it('never counts a container whose address the host cannot use', async () => {
    ready = true;
    const prober = new ReadinessProber(
      new Map([['gateway', { port, path: '/readyz' }]]),
      async () => new Map(),
    );
    expect(await prober.answering([container('gateway', 'id-5')], ['gateway'])).toEqual(new Set());
  });
});
