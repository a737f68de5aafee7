import { describe, expect, it } from 'vitest';
import { backoffMs, classifyFetchError } from '../src/connection-failure.ts';

describe('classifyFetchError', () => {
  const fetchError = (cause: unknown) => Object.assign(new TypeError('fetch failed'), { cause });
  it('tells a connection never made from one lost with the request on it', () => {
    expect(classifyFetchError(fetchError({ code: 'ECONNREFUSED' }))).toBe('not_connected');
    expect(classifyFetchError(fetchError({ code: 'ENOTFOUND' }))).toBe('not_connected');
    expect(
      classifyFetchError(fetchError({ errors: [{ code: 'ECONNREFUSED' }, { code: 'ECONNREFUSED' }] })),
      'every address of the name refused',
    ).toBe('not_connected');
    expect(classifyFetchError(fetchError({ code: 'UND_ERR_SOCKET' }))).toBe('connection_lost');
    expect(classifyFetchError(fetchError({ code: 'ECONNRESET' }))).toBe('connection_lost');
    expect(classifyFetchError(new Error('bug'))).toBeUndefined();
  });
});

describe('backoffMs', () => {
  it('waits a random share of a doubling ceiling, capped', () => {
    const backoff = { baseDelayMs: 50, maxDelayMs: 400 };
    expect([0, 1, 2, 3, 4].map((retry) => backoffMs(backoff, retry, () => 1))).toEqual([
      50, 100, 200, 400, 400,
    ]);
    expect(backoffMs(backoff, 3, () => 0.5)).toBe(200);
    expect(backoffMs(backoff, 3, () => 0)).toBe(0);
  });
});
