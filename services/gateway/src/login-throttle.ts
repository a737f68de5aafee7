import { createHmac, randomBytes } from 'node:crypto';
import { isIP } from 'node:net';

/** Who a limit is kept for: one account (by email), or one client (by address). Also a metric label. */
export const THROTTLE_SCOPES = ['account', 'client'] as const;
export type ThrottleScope = (typeof THROTTLE_SCOPES)[number];

export interface ThrottleLimit {
  /** Failed logins allowed in the window; the next attempt is refused until the oldest ages out. */
  failures: number;
  windowMs: number;
}

/**
 * The numbers, and why:
 * - an account: 10 failures in 15 min. Someone who forgot a password tries a handful of variants;
 *   10 leaves room for that while an online guesser gets 40 guesses an hour, far inside NIST SP
 *   800-63B's ceiling of 100 consecutive failures per account. It throttles, never locks: the
 *   account opens again as failures age out, so an attacker cannot lock its owner out for good.
 * - a client address: 30 failures in 15 min. An office behind one NAT mistypes now and then; a
 *   credential-stuffing run from one address tries thousands of accounts and stops after 30.
 */
export const LOGIN_LIMITS: Record<ThrottleScope, ThrottleLimit> = {
  account: { failures: 10, windowMs: 15 * 60_000 },
  client: { failures: 30, windowMs: 15 * 60_000 },
};

/** Keys kept per scope: bounds memory when an attack spreads over many accounts or addresses. */
const MAX_KEYS = 100_000;

/** A sliding-window log: the times of the recent failures of each key, at most `limit.failures` of them. */
class FailureLog {
  readonly #limit: ThrottleLimit;
  readonly #times = new Map<string, number[]>();

  constructor(limit: ThrottleLimit) {
    this.#limit = limit;
  }

  #recent(key: string, now: number): number[] {
    const times = (this.#times.get(key) ?? []).filter((t) => t > now - this.#limit.windowMs);
    if (times.length === 0) this.#times.delete(key);
    return times;
  }

  /** How long until the key may try again; 0 when it may now. */
  retryAfterMs(key: string, now: number): number {
    const times = this.#recent(key, now);
    if (times.length < this.#limit.failures) return 0;
    return (times[0] ?? now) + this.#limit.windowMs - now;
  }

  add(key: string, now: number): void {
    const times = [...this.#recent(key, now), now].slice(-this.#limit.failures);
    // Re-inserted last, so the first key in the map is the least recently failed one.
    this.#times.delete(key);
    this.#times.set(key, times);
    if (this.#times.size > MAX_KEYS) {
      const oldest = this.#times.keys().next().value;
      if (oldest !== undefined) this.#times.delete(oldest);
    }
  }

  /** Takes back the failure `add` recorded at `at` (the attempt succeeded after all). */
  remove(key: string, at: number): void {
    const times = this.#times.get(key);
    const index = times?.lastIndexOf(at) ?? -1;
    if (times && index >= 0) times.splice(index, 1);
  }

  clear(key: string): void {
    this.#times.delete(key);
  }
}

export interface LoginAttempt {
  /** The password was right: the attempt no longer counts as a failure, and the account starts afresh. */
  succeeded(): void;
  /**
   * The attempt could not be judged (the database did not answer): it does not count. An outage must
   * not lock every client behind one proxy out for the window.
   */
  undecided(): void;
}

/**
 * Limits failed logins per account and per client address. An attempt counts as a failure from the
 * moment it starts (`begin`), so concurrent guesses cannot all slip in before the first is counted;
 * a success takes it back. Accounts are kept under an HMAC of the email with a key born with the
 * process, so the emails are not held in clear, and nothing here is logged or used as a label.
 * The counts live in one process: with N replicas, a client spread over them gets up to N times the limit.
 */
export class LoginThrottle {
  readonly #logs: Record<ThrottleScope, FailureLog>;
  readonly #now: () => number;
  readonly #key = randomBytes(32);

  constructor(limits: Record<ThrottleScope, ThrottleLimit> = LOGIN_LIMITS, now: () => number = Date.now) {
    this.#logs = { account: new FailureLog(limits.account), client: new FailureLog(limits.client) };
    this.#now = now;
  }

  #accountKey(email: string): string {
    return createHmac('sha256', this.#key).update(email).digest('base64url');
  }

  /** Starts an attempt, or says which limit refuses it and for how long. */
  begin(
    email: string,
    client: string,
  ): { throttled: { scope: ThrottleScope; retryAfterMs: number } } | { attempt: LoginAttempt } {
    const now = this.#now();
    const account = this.#accountKey(email);
    for (const [scope, key] of [
      ['account', account],
      ['client', client],
    ] as const) {
      const retryAfterMs = this.#logs[scope].retryAfterMs(key, now);
      if (retryAfterMs > 0) return { throttled: { scope, retryAfterMs } };
    }
    this.#logs.account.add(account, now);
    this.#logs.client.add(client, now);
    return {
      attempt: {
        succeeded: () => {
          this.#logs.account.clear(account);
          this.#logs.client.remove(client, now);
        },
        undecided: () => {
          this.#logs.account.remove(account, now);
          this.#logs.client.remove(client, now);
        },
      },
    };
  }
}

/** Private, loopback and link-local addresses: a proxy of our own, not a client on the internet. */
function isInternal(address: string): boolean {
  const v4 = address.replace(/^::ffff:/, '');
  if (isIP(v4) === 4) {
    const [a = 0, b = 0] = v4.split('.').map(Number);
    return a === 10 || a === 127 || (a === 172 && b >= 16 && b < 32) || (a === 192 && b === 168);
  }
  return address === '::1' || /^f[cd]/i.test(address) || /^fe80:/i.test(address);
}

/**
 * The client's address for the per-client limit. Behind our own proxies (the web server, an ingress)
 * every request comes from a proxy, and each proxy appends the address it saw to X-Forwarded-For.
 * Internal addresses are our proxies: reading the header from the nearest hop outwards, the first
 * address that is not internal is the client. A client on the internet cannot pick its own key by
 * sending the header itself: the entries it writes sit left of the one its first proxy appends.
 */
export function clientAddress(peer: string, forwardedFor: string | string[] | undefined): string {
  if (!isInternal(peer)) return peer;
  const header = Array.isArray(forwardedFor) ? forwardedFor.join(',') : (forwardedFor ?? '');
  const hops = header
    .split(',')
    .map((hop) => hop.trim())
    .filter((hop) => isIP(hop) !== 0);
  for (const hop of [...hops].reverse()) if (!isInternal(hop)) return hop;
  // Only our own network (a browser on the developer's machine, through the web server).
  return hops[0] ?? peer;
}
