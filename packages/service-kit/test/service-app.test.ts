import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createServiceApp, FaultInjector, HttpError, parseInput, text } from '../src/index.ts';
import { badInputCorpus, runBadInputCorpus } from '../src/testing/index.ts';

function appWithEcho(faults = new FaultInjector()) {
  const app = createServiceApp({ faults, adminToken: 'admin-token-for-tests-0123456789' });
  const schema = z.strictObject({ name: text({ max: 40 }), count: z.number().int() });
  app.post('/echo', async (request) => parseInput(schema, request.body));
  app.get('/boom', async () => {
    throw new Error('database password=hunter2 leaked into a message');
  });
  app.get('/teapot', async () => {
    throw new HttpError(418, 'teapot', 'short and stout');
  });
  return app;
}

describe('a service app', () => {
  it('answers a valid request', async () => {
    const response = await appWithEcho().inject({
      method: 'POST',
      url: '/echo',
      payload: { name: 'a', count: 1 },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ name: 'a', count: 1 });
  });

  it('refuses every case of the bad-input corpus with a 4xx and a JSON error body', async () => {
    await runBadInputCorpus(
      appWithEcho(),
      { method: 'POST', url: '/echo' },
      badInputCorpus({ name: 'a', count: 1 }),
    );
  });

  it('names the invalid field without echoing its value', async () => {
    const response = await appWithEcho().inject({
      method: 'POST',
      url: '/echo',
      payload: { name: 'a', count: 'secret-value-123' },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.issues[0].path).toBe('count');
    expect(response.body).not.toContain('secret-value-123');
  });

  it('answers an unexpected error with a bare 500 that reveals nothing', async () => {
    const response = await appWithEcho().inject({ method: 'GET', url: '/boom' });
    expect(response.statusCode).toBe(500);
    expect(response.json()).toEqual({ error: { code: 'internal', message: 'internal error' } });
  });

  it('keeps the status and code of an HttpError', async () => {
    const response = await appWithEcho().inject({ method: 'GET', url: '/teapot' });
    expect(response.statusCode).toBe(418);
    expect(response.json().error.code).toBe('teapot');
  });

  it('answers an unknown route with a JSON 404', async () => {
    const response = await appWithEcho().inject({ method: 'GET', url: '/nope?token=abc' });
    expect(response.statusCode).toBe(404);
    expect(response.json().error.code).toBe('not_found');
    expect(response.body).not.toContain('abc');
  });
});

describe('fault injection', () => {
  it('is off by default', async () => {
    const app = appWithEcho();
    for (let i = 0; i < 20; i++) {
      const response = await app.inject({ method: 'POST', url: '/echo', payload: { name: 'a', count: 1 } });
      expect(response.statusCode).toBe(200);
    }
  });

  it('fails requests at the configured rate with a 503', async () => {
    const app = appWithEcho(new FaultInjector({ latencyMs: 0, errorRate: 1 }));
    const response = await app.inject({ method: 'POST', url: '/echo', payload: { name: 'a', count: 1 } });
    expect(response.statusCode).toBe(503);
    expect(response.json().error.code).toBe('fault_injected');
  });

  it('can be switched on and off at runtime with the admin token', async () => {
    const app = appWithEcho();
    const auth = { authorization: 'Bearer admin-token-for-tests-0123456789' };
    const set = await app.inject({
      method: 'PUT',
      url: '/admin/faults',
      headers: auth,
      payload: { latencyMs: 0, errorRate: 1 },
    });
    expect(set.statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/teapot' })).statusCode).toBe(503);
    await app.inject({
      method: 'PUT',
      url: '/admin/faults',
      headers: auth,
      payload: { latencyMs: 0, errorRate: 0 },
    });
    expect((await app.inject({ method: 'GET', url: '/teapot' })).statusCode).toBe(418);
  });

  it('refuses the admin routes without the token', async () => {
    const response = await appWithEcho().inject({
      method: 'PUT',
      url: '/admin/faults',
      payload: { latencyMs: 0, errorRate: 1 },
    });
    expect(response.statusCode).toBe(401);
  });

  it('does not expose the admin routes when no token is configured', async () => {
    const app = createServiceApp({ faults: new FaultInjector() });
    expect((await app.inject({ method: 'GET', url: '/admin/faults' })).statusCode).toBe(404);
  });
});

describe('text fields', () => {
  const field = text({ max: 5 });
  it('normalises to NFC and trims', () => {
    expect(field.parse('  cafe\u0301 ')).toBe('café');
  });
  it('counts code points, not UTF-16 units', () => {
    expect(field.safeParse('🕯️🕯️').success).toBe(true);
    expect(field.safeParse('abcdef').success).toBe(false);
  });
  it('refuses NUL, control characters and lone surrogates', () => {
    for (const bad of ['a\u0000b', 'a\u0007', '\ud800a', 'a\udc00'])
      expect(field.safeParse(bad).success, bad).toBe(false);
  });
});
