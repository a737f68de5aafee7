import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import type { GatewayMetrics } from '@telemetry-kit/gateway/src/app.ts';
import { buildGatewayApp } from '@telemetry-kit/gateway/src/app.ts';
import { InMemoryAccounts } from '@telemetry-kit/gateway/test/in-memory-accounts.ts';
import { FaultInjector } from '@telemetry-kit/service-kit';
import { describe, expect, it } from 'vitest';
import type { ConfirmedPurchase } from './load.ts';
import { runLoad } from './load.ts';

// Metrics are not what this test is about: every method a no-op, whatever the interface holds.
const noMetrics = new Proxy({}, { get: () => () => {} }) as GatewayMetrics;

describe('npm run load, buying', () => {
  it('sends one Idempotency-Key per purchase and retries a failed purchase with the same key', {
    timeout: 60_000,
  }, async () => {
    const listings: Array<{ id: string; sellerId: string }> = [];
    const keysSent = new Map<string, number>();
    const app = buildGatewayApp({
      accounts: new InMemoryAccounts(),
      faults: new FaultInjector(),
      metrics: noMetrics,
      rituals: {
        json: async () => ({ status: 201, body: { id: randomUUID(), text: 'Breathe.' } }),
        stream: async () => ({ status: 404, contentType: 'text/plain', body: undefined }),
      },
      marketplace: {
        json: async (method, path, body, options) => {
          if (method === 'GET') return { status: 200, body: { listings } };
          if (path === '/listings') {
            const listing = { id: randomUUID(), sellerId: (body as { sellerId: string }).sellerId };
            listings.push(listing);
            return { status: 201, body: listing };
          }
          const key = options?.idempotencyKey ?? 'none';
          const attempts = (keysSent.get(key) ?? 0) + 1;
          keysSent.set(key, attempts);
          // Every purchase's first attempt fails as during a database outage.
          if (attempts === 1) return { status: 503, body: { error: { code: 'unavailable' } } };
          return { status: 201, body: { id: `purchase-${key}`, outcome: 'completed' } };
        },
      },
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const { port } = app.server.address() as AddressInfo;
      const confirmed: ConfirmedPurchase[] = [];
      const stats = await runLoad(
        {
          target: new URL(`http://127.0.0.1:${port}`),
          // Sign-ups come first (bcrypt makes them slow); buyers need three accounts to pick from.
          rate: 5,
          durationSeconds: 8,
          concurrency: 20,
          failOnError: true,
        },
        new PassThrough() as unknown as NodeJS.WriteStream,
        { onPurchase: (purchase) => confirmed.push(purchase) },
      );
      expect(keysSent.size, 'some journeys bought something').toBeGreaterThan(0);
      expect(keysSent.has('none'), 'every purchase carries a key').toBe(false);
      expect([...keysSent.values()], 'each key: one failed attempt, one retry').toEqual(
        [...keysSent.values()].map(() => 2),
      );
      expect(confirmed.map((p) => p.idempotencyKey).sort()).toEqual([...keysSent.keys()].sort());
      expect(stats.failed, 'the retried purchases succeeded').toBe(0);
    } finally {
      await app.close();
    }
  });
});
