import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { buildGatewayApp } from '@telemetry-kit/gateway/src/app.ts';
import { InMemoryAccounts } from '@telemetry-kit/gateway/test/in-memory-accounts.ts';
import { FaultInjector } from '@telemetry-kit/service-kit';
import { describe, expect, it } from 'vitest';
import { isAllowedTarget, loadExitCode, parseLoadArgs, runLoad } from './load.ts';

describe('npm run load', () => {
  it('targets only loopback and the project’s own services', () => {
    for (const ok of [
      'http://127.0.0.1:8080',
      'http://localhost:8080',
      'http://[::1]:8080',
      'http://gateway:8080',
    ]) {
      expect(isAllowedTarget(new URL(ok)), ok).toBe(true);
    }
    for (const refused of [
      'http://example.com',
      'http://10.0.0.5:8080',
      'http://192.168.1.2',
      'http://gateway.evil.com',
    ]) {
      expect(isAllowedTarget(new URL(refused)), refused).toBe(false);
    }
    expect(() => parseLoadArgs(['--target', 'https://api.example.com'])).toThrow(/not loopback/);
  });

  it('fails a smoke run (--fail-on-error) on one failed journey, an ordinary run only when none completed', () => {
    expect(parseLoadArgs([]).failOnError).toBe(false);
    expect(parseLoadArgs(['--fail-on-error']).failOnError).toBe(true);
    const oneFailed = { started: 10, completed: 9, failed: 1 };
    expect(loadExitCode(oneFailed, true)).toBe(1);
    expect(loadExitCode(oneFailed, false)).toBe(0);
    expect(loadExitCode({ started: 3, completed: 0, failed: 3 }, false)).toBe(1);
    expect(loadExitCode({ started: 10, completed: 10, failed: 0 }, true)).toBe(0);
  });

  it('is bounded in rate, duration and concurrency', () => {
    expect(() => parseLoadArgs(['--rate', '1000'])).toThrow(/--rate/);
    expect(() => parseLoadArgs(['--duration', '0'])).toThrow(/--duration/);
    expect(() => parseLoadArgs(['--concurrency', '-1'])).toThrow(/--concurrency/);
    expect(parseLoadArgs(['--rate', '5', '--duration', '10'])).toMatchObject({
      rate: 5,
      durationSeconds: 10,
    });
  });

  it('runs sign-up, generation, listing, login and purchase journeys that all succeed against a gateway', {
    timeout: 60_000,
  }, async () => {
    const listings: Array<{ id: string; sellerId: string }> = [];
    const app = buildGatewayApp({
      accounts: new InMemoryAccounts(),
      faults: new FaultInjector(),
      metrics: { signup() {}, login() {}, loginThrottled() {}, sessionsChanged() {} },
      rituals: {
        json: async () => ({ status: 201, body: { id: randomUUID(), text: 'Breathe.' } }),
        stream: async () => ({ status: 404, contentType: 'text/plain', body: undefined }),
      },
      marketplace: {
        json: async (method: string, path: string, body?: unknown) => {
          if (method === 'GET') return { status: 200, body: { listings } };
          if (path === '/listings') {
            const listing = { id: randomUUID(), sellerId: (body as { sellerId: string }).sellerId };
            listings.push(listing);
            return { status: 201, body: listing };
          }
          return { status: 201, body: { outcome: 'completed' } };
        },
      },
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const { port } = app.server.address() as AddressInfo;
      const out = new PassThrough() as unknown as NodeJS.WriteStream;
      const stats = await runLoad(
        {
          target: new URL(`http://127.0.0.1:${port}`),
          rate: 10,
          durationSeconds: 2,
          concurrency: 10,
          failOnError: true,
        },
        out,
      );
      expect(stats.started).toBeGreaterThan(5);
      expect(stats.failed, `${stats.failed} of ${stats.started} journeys failed`).toBe(0);
      expect(stats.byStatus.get('5xx') ?? 0).toBe(0);
      expect(listings.length, 'newcomers listed their rituals').toBeGreaterThan(0);
    } finally {
      await app.close();
    }
  });
});
