import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { FaultInjector } from '@telemetry-kit/service-kit';
import { badInputCorpus, runBadInputCorpus } from '@telemetry-kit/service-kit/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import type { GatewayMetrics } from '../src/app.ts';
import { buildGatewayApp } from '../src/app.ts';
import type { UpstreamResponse } from '../src/upstream.ts';
import { InMemoryAccounts } from './in-memory-accounts.ts';

class RecordingMetrics implements GatewayMetrics {
  readonly events: string[] = [];
  signup(outcome: string) {
    this.events.push(`signup:${outcome}`);
  }
  login(outcome: string, reason?: string) {
    this.events.push(reason ? `login:${outcome}:${reason}` : `login:${outcome}`);
  }
  loginThrottled(scope: string) {
    this.events.push(`login_throttled:${scope}`);
  }
  sessionsChanged() {}
}

/** Records what the gateway forwards and answers like the internal service would. */
class FakeUpstream {
  readonly calls: Array<{ method: string; path: string; body: unknown }> = [];
  answer: (method: string, path: string, body: unknown) => UpstreamResponse = () => ({
    status: 200,
    body: {},
  });
  async json(method: string, path: string, body?: unknown) {
    this.calls.push({ method, path, body });
    return this.answer(method, path, body);
  }
  async stream(path: string) {
    this.calls.push({ method: 'GET', path, body: undefined });
    return { status: 200, contentType: 'audio/wav', body: Readable.from([Buffer.from('RIFF....WAVE')]) };
  }
}

const credentials = { email: 'Ada@Example.com', password: 'correct horse battery', displayName: 'Ada' };

describe('the gateway', () => {
  let accounts: InMemoryAccounts;
  let rituals: FakeUpstream;
  let marketplace: FakeUpstream;
  let metrics: RecordingMetrics;
  let app: ReturnType<typeof buildGatewayApp>;

  beforeEach(() => {
    accounts = new InMemoryAccounts();
    rituals = new FakeUpstream();
    marketplace = new FakeUpstream();
    metrics = new RecordingMetrics();
    app = buildGatewayApp({ accounts, rituals, marketplace, metrics, faults: new FaultInjector() });
  });

  const signUp = async () => {
    const response = await app.inject({ method: 'POST', url: '/api/signup', payload: credentials });
    return response.json() as { token: string; user: { id: string } };
  };

  it('signs a user up with a bcrypt hash, never the password, and a working session', async () => {
    const response = await app.inject({ method: 'POST', url: '/api/signup', payload: credentials });
    expect(response.statusCode).toBe(201);
    const { token, user } = response.json();
    expect(user.email).toBe('ada@example.com');
    expect(accounts.users[0]?.passwordHash).toMatch(/^\$2[aby]\$10\$/);
    expect(JSON.stringify(accounts.users)).not.toContain(credentials.password);
    expect([...accounts.sessions.keys()].join()).not.toContain(token);
    const me = await app.inject({
      method: 'GET',
      url: '/api/me',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(me.json().user.id).toBe(user.id);
    expect(metrics.events).toEqual(['signup:created']);
  });

  it('refuses a second account for the same email, whatever its case', async () => {
    await signUp();
    const again = await app.inject({
      method: 'POST',
      url: '/api/signup',
      payload: { ...credentials, email: 'ADA@example.COM' },
    });
    expect(again.statusCode).toBe(409);
    expect(metrics.events).toEqual(['signup:created', 'signup:rejected']);
  });

  it('logs in with the right password only', async () => {
    await signUp();
    const wrong = await app.inject({
      method: 'POST',
      url: '/api/login',
      payload: { email: credentials.email, password: 'wrong password!' },
    });
    expect(wrong.statusCode).toBe(401);
    const unknown = await app.inject({
      method: 'POST',
      url: '/api/login',
      payload: { email: 'nobody@example.com', password: 'whatever123' },
    });
    expect(unknown.statusCode).toBe(401);
    const right = await app.inject({
      method: 'POST',
      url: '/api/login',
      payload: { email: credentials.email, password: credentials.password },
    });
    expect(right.statusCode).toBe(200);
    expect(right.json().token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(metrics.events.slice(1)).toEqual([
      'login:failure:wrong_password',
      'login:failure:unknown_account',
      'login:success',
    ]);
  });

  it('ends a session on logout', async () => {
    const { token } = await signUp();
    const auth = { authorization: `Bearer ${token}` };
    expect((await app.inject({ method: 'POST', url: '/api/logout', headers: auth })).statusCode).toBe(204);
    expect((await app.inject({ method: 'GET', url: '/api/me', headers: auth })).statusCode).toBe(401);
  });

  it('requires a session for generating, selling and buying', async () => {
    for (const [method, url] of [
      ['POST', '/api/rituals'],
      ['POST', '/api/listings'],
      ['POST', `/api/listings/${randomUUID()}/purchase`],
    ] as const) {
      const response = await app.inject({ method, url, payload: {} });
      expect(response.statusCode, `${method} ${url}`).toBe(401);
    }
    expect(rituals.calls).toEqual([]);
  });

  it('forwards a generation to rituals with the user it is for, and rewrites the audio URL to its own', async () => {
    const { token, user } = await signUp();
    const id = randomUUID();
    rituals.answer = () => ({
      status: 201,
      body: { id, text: 'Breathe.', audioUrl: `/rituals/${id}/audio` },
    });
    const response = await app.inject({
      method: 'POST',
      url: '/api/rituals',
      headers: { authorization: `Bearer ${token}` },
      payload: { intention: 'calm' },
    });
    expect(response.statusCode).toBe(201);
    expect(response.json().audioUrl).toBe(`/api/rituals/${id}/audio`);
    expect(rituals.calls).toEqual([
      { method: 'POST', path: '/rituals', body: { intention: 'calm', userId: user.id } },
    ]);
  });

  it('tells the client when to try generation again when rituals said so (its model failing or slow)', async () => {
    const { token } = await signUp();
    rituals.answer = () => ({
      status: 503,
      body: { error: { code: 'llm_circuit_open', message: 'the model is failing; try again later' } },
      retryAfter: '15',
    });
    const response = await app.inject({
      method: 'POST',
      url: '/api/rituals',
      headers: { authorization: `Bearer ${token}` },
      payload: { intention: 'calm' },
    });
    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toBe('15');
    expect(response.json().error.code).toBe('llm_circuit_open');
  });

  it('forwards a purchase with the buyer taken from the session, not the body', async () => {
    const { token, user } = await signUp();
    const listing = randomUUID();
    marketplace.answer = () => ({ status: 201, body: { outcome: 'completed' } });
    const payment = { cardNumber: '4242424242424242', expMonth: 12, expYear: 2099, cvc: '123' };
    const response = await app.inject({
      method: 'POST',
      url: `/api/listings/${listing}/purchase`,
      headers: { authorization: `Bearer ${token}` },
      payload: { payment },
    });
    expect(response.statusCode).toBe(201);
    expect(marketplace.calls).toEqual([
      { method: 'POST', path: `/listings/${listing}/purchases`, body: { buyerId: user.id, payment } },
    ]);
  });

  // bcrypt makes every accepted sign-up and login cost tens of milliseconds, hence the longer timeout.
  it('refuses the bad-input corpus on every endpoint', { timeout: 120_000 }, async () => {
    const { token } = await signUp();
    const auth = { authorization: `Bearer ${token}` };
    await runBadInputCorpus(app, { method: 'POST', url: '/api/signup' }, badInputCorpus(credentials));
    await runBadInputCorpus(
      app,
      { method: 'POST', url: '/api/login' },
      badInputCorpus({ email: credentials.email, password: credentials.password }),
    );
    await runBadInputCorpus(
      app,
      { method: 'POST', url: '/api/rituals', headers: auth },
      badInputCorpus({ intention: 'calm' }),
    );
    await runBadInputCorpus(
      app,
      { method: 'POST', url: '/api/listings', headers: auth },
      badInputCorpus({
        ritualId: randomUUID(),
        title: 'Calm',
        description: 'A calm ritual',
        priceCents: 300,
        currency: 'EUR',
      }),
    );
    await runBadInputCorpus(
      app,
      { method: 'POST', url: `/api/listings/${randomUUID()}/purchase`, headers: auth },
      badInputCorpus({
        payment: { cardNumber: '4242424242424242', expMonth: 12, expYear: 2099, cvc: '123' },
      }),
    );
    for (const url of ['/api/listings?limit=x', '/api/listings?before=1', '/api/rituals/not-a-uuid/audio']) {
      expect((await app.inject({ method: 'GET', url })).statusCode, url).toBe(400);
    }
    for (const authorization of [
      'Bearer',
      'Bearer x',
      'Basic YWRhOnB3',
      `Bearer ${'a'.repeat(5000)}`,
      'Bearer \u0000abc',
    ]) {
      const response = await app.inject({ method: 'GET', url: '/api/me', headers: { authorization } });
      expect(response.statusCode, authorization.slice(0, 20)).toBe(401);
    }
  });

  it('never echoes a password or a token in an error body', async () => {
    const { token } = await signUp();
    const response = await app.inject({
      method: 'POST',
      url: '/api/login',
      payload: { email: credentials.email, password: credentials.password, token },
    });
    expect(response.statusCode).toBe(400);
    expect(response.body).not.toContain(credentials.password);
    expect(response.body).not.toContain(token);
  });
});
