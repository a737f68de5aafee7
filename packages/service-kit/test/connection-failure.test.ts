import { describe, expect, it } from 'vitest';
import { classifyFetchError } from '../src/connection-failure.ts';

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
