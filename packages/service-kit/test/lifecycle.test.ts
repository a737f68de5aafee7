import type { AddressInfo } from 'node:net';
import type { Telemetry } from '@telemetry-kit/telemetry';
import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { serve } from '../src/lifecycle.ts';

const apps: ReturnType<typeof Fastify>[] = [];
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
});

/** Only what serve() touches of the telemetry instance. */
const telemetryDraining = (draining: boolean) =>
  ({
    health: { draining },
    logger: { info() {} },
    installShutdownHandlers() {},
  }) as unknown as Telemetry;

async function connectionHeader(draining: boolean, path = '/listings'): Promise<string | null> {
  const app = Fastify();
  apps.push(app);
  app.get('/listings', async () => ({ listings: [] }));
  // Answered within the server's request event, as a probe route can be.
  app.get('/healthz', (_request, reply) => {
    reply.send('ok');
  });
  await serve(app, telemetryDraining(draining), { port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  const response = await fetch(`http://127.0.0.1:${port}${path}`);
  await response.body?.cancel();
  return response.headers.get('connection');
}

describe('serve', () => {
  it('keeps connections alive while serving normally', async () => {
    expect(await connectionHeader(false)).toBe('keep-alive');
  });

  it('closes each connection after its answer while draining, so callers reconnect elsewhere', async () => {
    expect(await connectionHeader(true)).toBe('close');
  });

  it('closes it after an answer sent at once too: a caller polling the probe does not keep a closed server alive', async () => {
    expect(await connectionHeader(true, '/healthz')).toBe('close');
  });
});
