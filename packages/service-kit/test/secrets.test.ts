import * as crypto from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FaultInjector } from '../src/faults.ts';

// timingSafeEqual watched: the tests below prove the comparison goes through it, over equal lengths.
vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:crypto')>();
  return { ...actual, timingSafeEqual: vi.fn(actual.timingSafeEqual) };
});
const { secretsEqual } = await import('../src/secrets.ts');
const { createServiceApp } = await import('../src/app.ts');
const timingSafeEqual = vi.mocked(crypto.timingSafeEqual);
afterEach(() => timingSafeEqual.mockClear());

describe('secretsEqual', () => {
  it('accepts the secret itself and nothing else, whatever the length', () => {
    expect(secretsEqual('s3cret-token', 's3cret-token')).toBe(true);
    expect(secretsEqual('s3cret-tokeN', 's3cret-token')).toBe(false);
    expect(secretsEqual('s3cret', 's3cret-token')).toBe(false);
    expect(secretsEqual('', 's3cret-token')).toBe(false);
    expect(secretsEqual(`s3cret-token${'x'.repeat(1000)}`, 's3cret-token')).toBe(false);
  });

  it('compares in constant time over equal-length digests, also when the lengths differ', () => {
    secretsEqual('short', 'a much longer expected secret');
    expect(timingSafeEqual).toHaveBeenCalledTimes(1);
    const [given, wanted] = timingSafeEqual.mock.calls[0] ?? [];
    expect((given as Buffer).length).toBe(32);
    expect((wanted as Buffer).length).toBe(32);
  });
});

describe('the admin bearer token of every service', () => {
  const token = 'admin-token-for-tests-0123456789';
  const app = createServiceApp({ faults: new FaultInjector(), adminToken: token });
  const get = (authorization: string) =>
    app.inject({ method: 'GET', url: '/admin/faults', headers: { authorization } });

  it('is compared in constant time, and only the exact token opens the admin routes', async () => {
    expect((await get(`Bearer ${token}`)).statusCode).toBe(200);
    expect(timingSafeEqual).toHaveBeenCalled();
    for (const wrong of [token.slice(0, -1), `${token}0`, token.replace('a', 'b'), '']) {
      timingSafeEqual.mockClear();
      expect((await get(`Bearer ${wrong}`)).statusCode, wrong).toBe(401);
      expect(timingSafeEqual, `${wrong}: compared in constant time`).toHaveBeenCalledTimes(1);
    }
  });
});
