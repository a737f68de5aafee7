import * as crypto from 'node:crypto';
import { FaultInjector } from '@telemetry-kit/service-kit';
import { describe, expect, it, vi } from 'vitest';
import { emulatorConfig } from '../src/config.ts';

vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:crypto')>();
  return { ...actual, timingSafeEqual: vi.fn(actual.timingSafeEqual) };
});
const { buildEmulatorApp } = await import('../src/app.ts');
const timingSafeEqual = vi.mocked(crypto.timingSafeEqual);

const apiKey = 'sk-emulator-test-key';
const app = buildEmulatorApp({
  config: { ...emulatorConfig.parse({}), apiKey, latency: { medianMs: 0, p99Ms: 0 } },
  faults: new FaultInjector(),
});
const models = (authorization: string) =>
  app.inject({ method: 'GET', url: '/v1/models', headers: { authorization } });

describe('the emulator’s API key', () => {
  it('is compared in constant time, and only the exact key is accepted', async () => {
    expect((await models(`Bearer ${apiKey}`)).statusCode).toBe(200);
    for (const wrong of [apiKey.slice(0, -1), `${apiKey}y`, apiKey.toUpperCase(), 'Bearer', '']) {
      timingSafeEqual.mockClear();
      expect((await models(`Bearer ${wrong}`)).statusCode, wrong).toBe(401);
      expect(timingSafeEqual, `${wrong}: compared in constant time`).toHaveBeenCalledTimes(1);
    }
  });
});
