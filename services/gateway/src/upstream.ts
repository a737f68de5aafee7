import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { UpstreamFailure } from '@telemetry-kit/service-kit';
import { backoffMs, classifyFetchError, errorBody, HttpError } from '@telemetry-kit/service-kit';
import type { RetryPolicy } from './retry.ts';
import { DEFAULT_RETRY_POLICY, RetryBudget } from './retry.ts';

export interface UpstreamResponse {
  status: number;
  body: unknown;
  /** A 503/504 the upstream answered on purpose, with when to try again (its Retry-After). */
  retryAfter?: string;
}

export interface UpstreamOptions {
  policy?: RetryPolicy;
  budget?: RetryBudget;
  /** The wait between attempts (tests replace it to act between two attempts). */
  wait?: (ms: number) => Promise<unknown>;
}

export interface CallOptions {
  /** Forwarded as Idempotency-Key: the upstream deduplicates it, so the call may be retried. */
  idempotencyKey?: string | undefined;
}

interface Attempt {
  method: string;
  path: string;
  body?: unknown;
  accept: string;
  idempotencyKey?: string | undefined;
  /** False for readiness checks: they report what they see, at once. */
  retry: boolean;
}

/**
 * A JSON client for one internal service. Trace context travels with every call (the telemetry
 * library instruments fetch). Client errors of the upstream pass through; its failures become a
 * 502 (or 504 on timeout) naming the service, never a crash. Calls are retried where that is safe
 * (see retry.ts), within one deadline of `timeoutMs` for all attempts. Each retry opens or takes a
 * pooled connection after a fresh DNS lookup: with two replicas behind one compose name, a retry
 * after one refused goes to the other (Node tries every address the name resolves to).
 */
export class Upstream {
  readonly name: string;
  readonly #baseUrl: string;
  readonly #timeoutMs: number;
  readonly #policy: RetryPolicy;
  readonly #budget: RetryBudget;
  readonly #wait: (ms: number) => Promise<unknown>;

  constructor(name: string, baseUrl: string, timeoutMs: number, options: UpstreamOptions = {}) {
    this.name = name;
    this.#baseUrl = baseUrl.replace(/\/$/, '');
    this.#timeoutMs = timeoutMs;
    this.#policy = options.policy ?? DEFAULT_RETRY_POLICY;
    this.#budget = options.budget ?? new RetryBudget();
    this.#wait = options.wait ?? ((ms) => sleep(ms));
  }

  async #fetch(attempt: Attempt): Promise<Response> {
    const deadline = performance.now() + this.#timeoutMs;
    const idempotent = ['GET', 'HEAD'].includes(attempt.method) || attempt.idempotencyKey !== undefined;
    if (attempt.retry) this.#budget.recordRequest();
    let notConnected = 0;
    let retries = 0;
    for (;;) {
      let failure: UpstreamFailure | undefined;
      try {
        const response = await fetch(`${this.#baseUrl}${attempt.path}`, {
          method: attempt.method,
          headers: {
            accept: attempt.accept,
            ...(attempt.body === undefined ? {} : { 'content-type': 'application/json' }),
            ...(attempt.idempotencyKey === undefined ? {} : { 'idempotency-key': attempt.idempotencyKey }),
          },
          body: attempt.body === undefined ? undefined : JSON.stringify(attempt.body),
          signal: AbortSignal.timeout(Math.max(1, Math.round(deadline - performance.now()))),
        });
        if (response.status !== 502 && response.status !== 503) return response;
        failure = 'unavailable';
        if (!(attempt.retry && idempotent && retries < this.#policy.maxRetries)) return response;
        await response.body?.cancel();
      } catch (error) {
        const timedOut = error instanceof Error && error.name === 'TimeoutError';
        failure = timedOut ? undefined : classifyFetchError(error);
        const retryable =
          attempt.retry &&
          (failure === 'not_connected' ||
            (failure !== undefined && idempotent && retries < this.#policy.maxRetries));
        if (!retryable) {
          throw new HttpError(
            timedOut ? 504 : 502,
            timedOut ? 'upstream_timeout' : 'upstream_unavailable',
            `${this.name} did not answer${timedOut ? ' in time' : ''}`,
          );
        }
      }
      const delay =
        failure === 'not_connected'
          ? backoffMs(this.#policy, notConnected++)
          : this.#budget.trySpend()
            ? backoffMs(this.#policy, retries++)
            : undefined;
      if (delay === undefined || performance.now() + delay >= deadline) {
        throw new HttpError(502, 'upstream_unavailable', `${this.name} did not answer`);
      }
      await this.#wait(delay);
    }
  }

  async json(
    method: string,
    path: string,
    body?: unknown,
    options: CallOptions = {},
  ): Promise<UpstreamResponse> {
    const response = await this.#fetch({
      method,
      path,
      body,
      accept: 'application/json',
      idempotencyKey: options.idempotencyKey,
      retry: true,
    });
    const parsed: unknown = await response.json().catch(() => undefined);
    // "Not now, try again in n seconds" (rituals with its model failing, slow or behind an open
    // circuit) reaches the client as it was said: a 502 would read as the gateway's own fault, and the
    // client would lose the Retry-After.
    const retryAfter = response.headers.get('retry-after');
    const code = errorCode(parsed);
    if ((response.status === 503 || response.status === 504) && retryAfter && code !== undefined) {
      return { status: response.status, body: parsed, retryAfter };
    }
    if (response.status >= 500) {
      throw new HttpError(
        response.status === 504 ? 504 : 502,
        code ?? 'upstream_error',
        `${this.name} failed to answer`,
      );
    }
    return {
      status: response.status,
      body: parsed ?? errorBody('upstream_error', `${this.name} sent no JSON`),
    };
  }

  /** Streams a binary resource (ritual audio) straight through. */
  async stream(path: string): Promise<{ status: number; contentType: string; body: Readable | undefined }> {
    const response = await this.#fetch({ method: 'GET', path, accept: '*/*', retry: true });
    if (response.status >= 500) throw new HttpError(502, 'upstream_error', `${this.name} failed to answer`);
    return {
      status: response.status,
      contentType: response.headers.get('content-type') ?? 'application/octet-stream',
      body: response.body ? Readable.fromWeb(response.body) : undefined,
    };
  }

  /** Readiness: the service says it is ready. */
  async check(): Promise<void> {
    const response = await this.#fetch({
      method: 'GET',
      path: '/readyz',
      accept: 'application/json',
      retry: false,
    });
    await response.body?.cancel();
    if (!response.ok) throw new Error(`${this.name} is not ready (HTTP ${response.status})`);
  }
}

/** The code of an error body (`{ error: { code } }`, service-kit's errorBody), if the body is one. */
const errorCode = (value: unknown): string | undefined => {
  const code = (value as { error?: { code?: unknown } } | undefined)?.error?.code;
  return typeof code === 'string' ? code : undefined;
};
