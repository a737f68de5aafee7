import { FaultInjector } from '@telemetry-kit/service-kit';
import { beforeEach, describe, expect, it } from 'vitest';
import type { GatewayMetrics } from '../src/app.ts';
import { buildGatewayApp } from '../src/app.ts';
import { clientAddress, LOGIN_LIMITS, LoginThrottle } from '../src/login-throttle.ts';
import { InMemoryAccounts } from './in-memory-accounts.ts';

const ada = { email: 'ada@example.com', password: 'correct horse battery', displayName: 'Ada' };
const ATTACKER = '203.0.113.7';
const unused = { json: async () => ({ status: 500, body: {} }), stream: async () => ({}) as never };

// bcrypt makes every login attempt that is not refused cost tens of milliseconds.
describe('failed-login limits', { timeout: 60_000 }, () => {
  let now: number;
  let accounts: InMemoryAccounts;
  let lookups: number;
  let events: string[];
  let app: ReturnType<typeof buildGatewayApp>;

  beforeEach(async () => {
    now = 1_000_000;
    accounts = new InMemoryAccounts();
    lookups = 0;
    const findByEmail = accounts.findByEmail.bind(accounts);
    accounts.findByEmail = async (email) => {
      lookups += 1;
      return findByEmail(email);
    };
    events = [];
    const metrics: GatewayMetrics = {
      signup: () => undefined,
      login: (outcome, reason) => void events.push(`${outcome}:${reason ?? ''}`),
      loginThrottled: (scope) => void events.push(`throttled:${scope}`),
      sessionsChanged: () => undefined,
    };
    app = buildGatewayApp({
      accounts,
      rituals: unused,
      marketplace: unused,
      metrics,
      faults: new FaultInjector(),
      loginThrottle: new LoginThrottle(LOGIN_LIMITS, () => now),
    });
    await app.inject({ method: 'POST', url: '/api/signup', payload: ada });
  });

  const login = (email: string, password: string, remoteAddress = ATTACKER) =>
    app.inject({ method: 'POST', url: '/api/login', payload: { email, password }, remoteAddress });

  it(`refuses an account with 429 and Retry-After after ${LOGIN_LIMITS.account.failures} failures, even with the right password`, async () => {
    for (let i = 0; i < LOGIN_LIMITS.account.failures; i++) {
      expect((await login(ada.email, `wrong password ${i}`)).statusCode).toBe(401);
    }
    const lookupsBefore = lookups;
    const refused = await login(ada.email, ada.password);
    expect(refused.statusCode).toBe(429);
    expect(refused.json().error.code).toBe('too_many_failed_logins');
    expect(refused.headers['retry-after']).toBe(String(LOGIN_LIMITS.account.windowMs / 1000));
    expect(refused.body, 'the 429 names no account').not.toContain(ada.email);
    expect(lookups, 'a refused attempt is not checked against the account').toBe(lookupsBefore);
    expect(events.at(-1)).toBe('throttled:account');
    expect(events.filter((e) => e === 'failure:wrong_password')).toHaveLength(LOGIN_LIMITS.account.failures);
  });

  it('does not count an attempt the database could not answer: an outage locks nobody out', async () => {
    const findByEmail = accounts.findByEmail;
    accounts.findByEmail = async () => {
      throw new Error('Connection terminated unexpectedly');
    };
    for (let i = 0; i <= LOGIN_LIMITS.account.failures; i++) {
      expect((await login(ada.email, ada.password)).statusCode).toBe(500);
    }
    accounts.findByEmail = findByEmail;
    expect((await login(ada.email, ada.password)).statusCode, 'the database is back').toBe(200);
  });

  it('lets the account in again once its oldest failure leaves the window', async () => {
    for (let i = 0; i < LOGIN_LIMITS.account.failures; i++) await login(ada.email, 'wrong password!');
    now += LOGIN_LIMITS.account.windowMs - 1000;
    expect((await login(ada.email, ada.password)).headers['retry-after']).toBe('1');
    now += 1000;
    expect((await login(ada.email, ada.password)).statusCode).toBe(200);
  });

  it('starts an account afresh after a successful login', async () => {
    for (let i = 0; i < LOGIN_LIMITS.account.failures - 1; i++) await login(ada.email, 'wrong password!');
    expect((await login(ada.email, ada.password)).statusCode).toBe(200);
    for (let i = 0; i < LOGIN_LIMITS.account.failures - 1; i++) await login(ada.email, 'wrong password!');
    expect((await login(ada.email, ada.password)).statusCode).toBe(200);
  });

  it('limits one client trying many accounts, and only that client', async () => {
    for (let i = 0; i < LOGIN_LIMITS.client.failures; i++) {
      expect((await login(`victim${i}@example.com`, 'Summer2026!')).statusCode).toBe(401);
    }
    const refused = await login('another@example.com', 'Summer2026!');
    expect(refused.statusCode).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(events.at(-1)).toBe('throttled:client');
    expect(events.filter((e) => e === 'failure:unknown_account')).toHaveLength(LOGIN_LIMITS.client.failures);
    expect((await login(ada.email, ada.password, '198.51.100.20')).statusCode).toBe(200);
  });

  it('counts concurrent guesses before any of them is checked', async () => {
    const guesses = await Promise.all(
      Array.from({ length: 25 }, (_, i) => login(ada.email, `concurrent guess ${i}`)),
    );
    const codes = guesses.map((r) => r.statusCode);
    expect(codes.filter((c) => c === 401)).toHaveLength(LOGIN_LIMITS.account.failures);
    expect(codes.filter((c) => c === 429)).toHaveLength(25 - LOGIN_LIMITS.account.failures);
  });
});

describe('the client address of the per-client limit', () => {
  it('is the peer when the request comes from the internet, whatever X-Forwarded-For says', () => {
    expect(clientAddress('203.0.113.7', '198.51.100.1')).toBe('203.0.113.7');
  });

  it('is the address the web server saw when the request comes through it', () => {
    expect(clientAddress('172.18.0.5', '203.0.113.7')).toBe('203.0.113.7');
    expect(clientAddress('::ffff:10.1.2.3', '203.0.113.7')).toBe('203.0.113.7');
  });

  it('is the address the ingress saw through ingress and web server, not one the client wrote', () => {
    // The client wrote 198.51.100.1 itself; the ingress appended 203.0.113.7, the web server the ingress.
    expect(clientAddress('10.0.3.4', '198.51.100.1, 203.0.113.7, 10.0.1.2')).toBe('203.0.113.7');
  });

  it('is the first internal address when all of it is our own network, and never a non-address', () => {
    expect(clientAddress('172.18.0.5', '172.18.0.1')).toBe('172.18.0.1');
    expect(clientAddress('127.0.0.1', undefined)).toBe('127.0.0.1');
    expect(clientAddress('10.1.2.3', 'not-an-address')).toBe('10.1.2.3');
  });
});
