#!/usr/bin/env node
// npm run load [-- --rate 2 --duration 60 --target http://127.0.0.1:8080 --fail-on-error]
// Realistic journeys against the gateway (sign up, log in, generate, browse, sell, buy), at a fixed
// rate of journeys per second, with a live progress line, so the dashboards fill. It only ever
// targets loopback or the project's own containers, and it is bounded in rate, time and concurrency.
import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import { isIP } from 'node:net';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { REPO_ROOT } from '@telemetry-kit/observability-config/paths';
import { loadServiceCatalogue } from '@telemetry-kit/observability-config/services';

export interface LoadOptions {
  target: URL;
  rate: number;
  durationSeconds: number;
  concurrency: number;
  /** Exit 1 when any journey failed (a smoke test), not only when none completed. */
  failOnError: boolean;
}

/** Hosts the generator may send to: loopback, and the project's public services by compose name. */
const PROJECT_HOSTS = new Set([
  'localhost',
  ...loadServiceCatalogue(REPO_ROOT)
    .filter((service) => service.public)
    .map((service) => service.name),
]);
const LIMITS = { rate: 50, durationSeconds: 3600, concurrency: 200 };

export function isAllowedTarget(url: URL): boolean {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (PROJECT_HOSTS.has(host)) return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1';
  return false;
}

export function parseLoadArgs(argv: string[]): LoadOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      target: { type: 'string', default: process.env.LOAD_TARGET ?? 'http://127.0.0.1:8080' },
      rate: { type: 'string', default: '2' },
      duration: { type: 'string', default: '60' },
      concurrency: { type: 'string', default: '20' },
      'fail-on-error': { type: 'boolean', default: false },
    },
    strict: true,
  });
  const target = new URL(values.target);
  if (!isAllowedTarget(target)) {
    throw new Error(
      `--target ${target.host} is not loopback or a service of this project — npm run load only drives the local stack`,
    );
  }
  const number = (name: string, raw: string, max: number) => {
    const value = Number(raw);
    if (!Number.isFinite(value) || value <= 0 || value > max)
      throw new Error(`--${name} must be a number in (0, ${max}]`);
    return value;
  };
  return {
    target,
    rate: number('rate', values.rate, LIMITS.rate),
    durationSeconds: number('duration', values.duration, LIMITS.durationSeconds),
    concurrency: Math.floor(number('concurrency', values.concurrency, LIMITS.concurrency)),
    failOnError: values['fail-on-error'],
  };
}

/** A purchase the gateway answered 201 to: it must exist exactly once (npm run bench -- reliability). */
export interface ConfirmedPurchase {
  id: string;
  idempotencyKey: string;
}

export interface Stats {
  started: number;
  completed: number;
  failed: number;
  byStatus: Map<string, number>;
  /** Failed journeys by the step that failed and its answer, e.g. "generate 503". */
  failures: Map<string, number>;
  latenciesMs: number[];
}

/** Whether a step answered as expected; counts it under `failures` when not. */
type StepCheck = (step: string, status: number, expected: number[]) => boolean;

const INTENTIONS = [
  'a calm start before a hard meeting',
  'courage for a difficult phone call',
  'letting go of a long week',
  'focus for an afternoon of writing',
  'gratitude at the end of the day',
  'patience with a new team',
];
const CARDS = { ok: '4242424242424242', declined: '4000000000000002' };

interface Account {
  email: string;
  password: string;
  /** Where the simulated user logs in from (IPv6 documentation range): one address each, as real users. */
  address: string;
  token?: string;
}

class Client {
  readonly #base: string;
  readonly #stats: Stats;
  constructor(base: URL, stats: Stats) {
    this.#base = base.origin;
    this.#stats = stats;
  }
  async call(
    method: string,
    path: string,
    body?: unknown,
    token?: string,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    const started = performance.now();
    let status = 'error';
    try {
      const response = await fetch(`${this.#base}${path}`, {
        method,
        headers: {
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...headers,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(60_000),
      });
      status = `${Math.floor(response.status / 100)}xx`;
      const parsed = (await response.json().catch(() => ({}))) as Record<string, unknown>;
      return { status: response.status, body: parsed };
    } finally {
      this.#stats.byStatus.set(status, (this.#stats.byStatus.get(status) ?? 0) + 1);
      if (this.#stats.latenciesMs.length < 100_000) this.#stats.latenciesMs.push(performance.now() - started);
    }
  }
}

const pick = <T>(items: readonly T[]): T => items[randomInt(items.length)] as T;

/** Waits before the retries of a purchase (each ±50%): a user pressing "buy" again over ~8 s. */
const PURCHASE_RETRY_DELAYS_MS = [500, 1000, 2000, 4000];

/**
 * Buys as a careful client does: one Idempotency-Key per purchase, and after a failure that left the
 * outcome unknown (a 5xx or no answer) the same request again with the same key, so the purchase
 * happens once however often it is sent.
 */
async function purchaseWithRetries(
  client: Client,
  listingId: string,
  payment: Record<string, unknown>,
  token: string,
  onPurchase: (purchase: ConfirmedPurchase) => void,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const idempotencyKey = randomUUID();
  for (let retry = 0; ; retry++) {
    const answer = await client
      .call('POST', `/api/listings/${listingId}/purchase`, { payment }, token, {
        'idempotency-key': idempotencyKey,
      })
      .catch(() => undefined);
    if (answer?.status === 201) onPurchase({ id: String(answer.body.id), idempotencyKey });
    const delay = PURCHASE_RETRY_DELAYS_MS[retry];
    if ((answer && answer.status < 500) || delay === undefined) return answer ?? { status: 0, body: {} };
    await sleep(delay * (0.5 + Math.random()));
  }
}

/** One visitor's journey; returns whether every step answered as a real user would expect. */
async function journey(
  client: Client,
  accounts: Account[],
  onPurchase: (purchase: ConfirmedPurchase) => void,
  ok: StepCheck,
): Promise<boolean> {
  const roll = Math.random();
  if (roll < 0.3 || accounts.length < 3) {
    // A newcomer: signs up, generates a ritual, lists it for sale.
    const account: Account = {
      email: `load-${randomBytes(6).toString('hex')}@example.test`,
      password: `pw-${randomBytes(9).toString('hex')}`,
      address: `2001:db8::${randomBytes(2).toString('hex')}`,
    };
    const signup = await client.call('POST', '/api/signup', {
      email: account.email,
      password: account.password,
      displayName: 'Load tester',
    });
    if (!ok('signup', signup.status, [201])) return false;
    account.token = signup.body.token as string;
    accounts.push(account);
    if (accounts.length > 500) accounts.shift();
    const ritual = await client.call('POST', '/api/rituals', { intention: pick(INTENTIONS) }, account.token);
    if (!ok('generate', ritual.status, [201])) return false;
    const listing = await client.call(
      'POST',
      '/api/listings',
      {
        ritualId: ritual.body.id,
        title: String(ritual.body.text ?? 'A ritual').slice(0, 60),
        priceCents: 100 + randomInt(900),
        currency: pick(['EUR', 'USD', 'GBP'] as const),
      },
      account.token,
    );
    return ok('list for sale', listing.status, [201]);
  }
  if (roll < 0.8) {
    // A returning buyer: logs in (now and then with a typo), browses, buys.
    const account = pick(accounts);
    const typo = Math.random() < 0.05;
    // From one address for everyone, the typos would add up to the gateway's per-client limit of
    // failed logins (services/gateway/src/login-throttle.ts) and every login after them would be a 429.
    const login = await client.call(
      'POST',
      '/api/login',
      { email: account.email, password: typo ? `${account.password}x` : account.password },
      undefined,
      { 'x-forwarded-for': account.address },
    );
    if (typo) return ok('login with a typo', login.status, [401]);
    if (!ok('login', login.status, [200])) return false;
    const token = login.body.token as string;
    const listings = await client.call('GET', '/api/listings?limit=20');
    const available = (listings.body.listings as Array<{ id: string; sellerId: string }> | undefined) ?? [];
    const candidate = available[randomInt(Math.max(available.length, 1))];
    if (!candidate) return ok('browse', listings.status, [200]);
    const card = Math.random() < 0.1 ? CARDS.declined : CARDS.ok;
    const purchase = await purchaseWithRetries(
      client,
      candidate.id,
      { cardNumber: card, expMonth: 12, expYear: new Date().getUTCFullYear() + 2, cvc: '123' },
      token,
      onPurchase,
    );
    // Declined cards (402), own listings and listings sold meanwhile (409) are normal outcomes.
    return ok('buy', purchase.status, [201, 402, 409]);
  }
  // A visitor who only browses.
  const browse = await client.call('GET', '/api/listings?limit=20');
  return ok('browse', browse.status, [200]);
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

function progressLine(stats: Stats, elapsedS: number, inFlight: number): string {
  const statuses = [...stats.byStatus].map(([k, v]) => `${k}=${v}`).join(' ');
  return (
    `${elapsedS.toFixed(0).padStart(4)}s  journeys ${stats.started} started, ${stats.completed} ok, ${stats.failed} failed, ${inFlight} in flight` +
    `  requests ${statuses || '-'}  p50 ${percentile(stats.latenciesMs, 50).toFixed(0)} ms p95 ${percentile(stats.latenciesMs, 95).toFixed(0)} ms`
  );
}

export interface LoadHooks {
  /** Each purchase the gateway confirmed (201), as it is confirmed. */
  onPurchase?: (purchase: ConfirmedPurchase) => void;
  /** Stops starting journeys (those in flight finish), as Ctrl-C does. */
  signal?: AbortSignal;
}

export async function runLoad(
  options: LoadOptions,
  out: NodeJS.WriteStream = process.stdout,
  hooks: LoadHooks = {},
): Promise<Stats> {
  const onPurchase = hooks.onPurchase ?? (() => {});
  const stats: Stats = {
    started: 0,
    completed: 0,
    failed: 0,
    byStatus: new Map(),
    failures: new Map(),
    latenciesMs: [],
  };
  const countFailure = (what: string) => stats.failures.set(what, (stats.failures.get(what) ?? 0) + 1);
  const ok: StepCheck = (step, status, expected) => {
    if (expected.includes(status)) return true;
    countFailure(`${step} ${status || 'no answer'}`);
    return false;
  };
  const client = new Client(options.target, stats);
  const accounts: Account[] = [];
  const inFlight = new Set<Promise<void>>();
  const startedAt = performance.now();
  const endAt = startedAt + options.durationSeconds * 1000;
  let stopping = false;
  const stop = () => {
    stopping = true;
  };
  process.once('SIGINT', stop);
  hooks.signal?.addEventListener('abort', stop, { once: true });
  const render = () => {
    const line = progressLine(stats, (performance.now() - startedAt) / 1000, inFlight.size);
    out.write(out.isTTY ? `\r\u001b[2K${line}` : `${line}\n`);
  };
  const ticker = setInterval(render, out.isTTY ? 500 : 5000);
  const intervalMs = 1000 / options.rate;
  for (let next = startedAt; !stopping && next < endAt; next += intervalMs) {
    const wait = next - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    if (inFlight.size >= options.concurrency) continue; // bounded: skip a beat rather than pile up
    stats.started++;
    const run: Promise<void> = journey(client, accounts, onPurchase, ok)
      .then(
        (completed) => {
          if (completed) stats.completed++;
          else stats.failed++;
        },
        (error: Error & { cause?: { code?: string } }) => {
          stats.failed++;
          countFailure(`no answer (${error.cause?.code ?? error.name})`);
        },
      )
      .finally(() => inFlight.delete(run));
    inFlight.add(run);
  }
  await Promise.all(inFlight);
  clearInterval(ticker);
  process.removeListener('SIGINT', stop);
  render();
  out.write('\n');
  return stats;
}

/** 1 when nothing started completed; with failOnError (a smoke test), when any journey failed. */
export function loadExitCode(
  stats: { started: number; completed: number; failed: number },
  failOnError: boolean,
) {
  if (failOnError) return stats.failed > 0 ? 1 : 0;
  return stats.completed === 0 && stats.started > 0 ? 1 : 0;
}

if (import.meta.main) {
  try {
    const options = parseLoadArgs(process.argv.slice(2));
    console.log(
      `load: ${options.rate} journeys/s for ${options.durationSeconds} s against ${options.target.origin} (at most ${options.concurrency} at once; Ctrl-C stops)`,
    );
    const stats = await runLoad(options);
    for (const [what, count] of stats.failures) console.log(`  failed at ${what}: ${count}`);
    process.exit(loadExitCode(stats, options.failOnError));
  } catch (error) {
    console.error(`load: ${(error as Error).message}`);
    process.exit(2);
  }
}
