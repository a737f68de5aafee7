import { describe, expect, it } from 'vitest';
import { isSensitiveKey, REDACTED, redact, redactAttributes, redactString } from '../src/redact/redact.ts';

describe('redactString', () => {
  it.each([
    [
      'a Luhn-valid card number with spaces',
      'paid with 4111 1111 1111 1111 today',
      'paid with [REDACTED] today',
    ],
    ['a bearer token, keeping the scheme', 'Authorization: Bearer abcdef123456', 'Authorization: [REDACTED]'],
    ['a query secret, keeping other parameters', '/cb?token=abc123xyz&page=2', '/cb?token=[REDACTED]&page=2'],
    ['credentials in a URL', 'postgres://app:pw@db:5432/x', 'postgres://[REDACTED]@db:5432/x'],
    ['a JSON password value with spaces', '{"password":"a b c","ok":1}', '{"password":"[REDACTED]","ok":1}'],
    ['an email', 'mail alice@example.com now', 'mail [REDACTED] now'],
    ['a phone number', 'call +1 202-555-0143', 'call [REDACTED]'],
  ])('redacts %s', (_what, input, expected) => {
    expect(redactString(input)).toBe(expected);
  });

  it.each([
    ['a trace id', '4bf92f3577b34da6a3ce929d0e0e4736'],
    ['a UUID', 'request 550e8400-e29b-41d4-a716-446655440000'],
    ['an ISO timestamp', '2026-11-26T12:33:52.123Z'],
    ['a loopback URL with port', 'http://127.0.0.1:4318/v1/traces'],
    ['a route template', 'GET /orders/:id'],
    ['a 16-digit number that fails Luhn', 'order 4111111111111112'],
    ['status text', 'status code: 500, retry in 30s'],
    ['token counts (gen_ai)', 'input_tokens=1234 output_tokens=99'],
  ])('leaves %s alone', (_what, input) => {
    expect(redactString(input)).toBe(input);
  });

  it('looks through full-width digits and zero-width characters', () => {
    expect(redactString('card ４１１１１１１１１１１１１１１１')).not.toMatch(/[４1]{16}/);
    expect(redactString('card 4111\u200b1111\u200b1111\u200b1111')).toBe('card [REDACTED]');
  });
});

describe('redact (structured values)', () => {
  it('redacts values under sensitive keys at any depth, and leaves the input untouched', () => {
    const input = {
      user: { name: 'Al', password: 'x', tokens: 3 },
      headers: { Cookie: 'a=b', accept: '*/*' },
    };
    const output = redact(input);
    expect(output).toEqual({
      user: { name: 'Al', password: REDACTED, tokens: 3 },
      headers: { Cookie: REDACTED, accept: '*/*' },
    });
    expect(input.user.password).toBe('x');
  });

  it('returns the same object when nothing needs redacting (no copy on the hot path)', () => {
    const input = { a: 1, b: ['x', { c: 'plain text' }] };
    expect(redact(input)).toBe(input);
  });

  it('redacts Error messages, stacks, causes and own properties, keeping the class', () => {
    const error = Object.assign(
      new TypeError('bad alice@example.com', { cause: new Error('token=abcdef123') }),
      {
        apiKey: 'k',
      },
    );
    const safe = redact(error);
    expect(safe).toBeInstanceOf(TypeError);
    expect(safe.message).toBe(`bad ${REDACTED}`);
    expect(safe.stack).not.toContain('alice@');
    expect(String((safe.cause as Error).message)).toBe(`token=${REDACTED}`);
    expect((safe as unknown as { apiKey: string }).apiKey).toBe(REDACTED);
  });

  it('survives cycles and very deep values', () => {
    const cyclic: Record<string, unknown> = { email: 'x@y.zz' };
    cyclic.self = cyclic;
    expect(() => redact(cyclic)).not.toThrow();
    let deep: Record<string, unknown> = { secret: 's' };
    for (let i = 0; i < 50; i++) deep = { next: deep };
    expect(JSON.stringify(redact(deep))).not.toContain('"s"');
  });

  it('redacts card numbers given as numbers, but not millisecond timestamps', () => {
    expect(redact({ ref: 4111111111111111, at: 1795697305029 })).toEqual({
      ref: REDACTED,
      at: 1795697305029,
    });
  });
});

describe('keys and attributes', () => {
  it.each([
    'password',
    'x-api-key',
    'Authorization',
    'set-cookie',
    'user.email',
    'app.ssn',
    'refresh_token',
    'cvv',
  ])('%s is sensitive', (key) => expect(isSensitiveKey(key)).toBe(true));
  it.each([
    'tokens',
    'gen_ai.token.type',
    'input_tokens',
    'http.route',
    'server.address',
    'classname',
    'span',
  ])('%s is not', (key) => expect(isSensitiveKey(key)).toBe(false));
  it('redacts attributes by key and value, including string arrays', () => {
    expect(
      redactAttributes({
        'http.request.header.authorization': 'x',
        'app.note': ['ok', 'bob@example.com'],
        n: 1,
      }),
    ).toEqual({ 'http.request.header.authorization': REDACTED, 'app.note': ['ok', REDACTED], n: 1 });
  });
});
