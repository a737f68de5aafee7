/**
 * When the gateway may call an upstream again, and how long it waits first.
 *
 * Two kinds of failure, two rules:
 * - `not_connected` (refused, name not resolvable, connect timeout): nothing reached the upstream,
 *   so nothing was acted on, and any request — a POST without key too — is safe to send again. This
 *   is what a restarting single replica looks like (its name leaves compose DNS, then its port
 *   refuses until it listens). It costs the upstream nothing, so it is bounded by the request's
 *   deadline, not by the budget.
 * - `connection_lost` (reset, closed mid-request) and an upstream 502/503: the upstream may have
 *   received the request. Only an idempotent request is sent again (GET/HEAD, or a POST carrying an
 *   Idempotency-Key the upstream deduplicates), and each retry spends from the budget.
 */
import type { Backoff } from '@telemetry-kit/service-kit';
export interface RetryBudgetOptions {
  /** Tokens earned per request: 0.1 = retries at most 10% of requests, once the bucket is empty. */
  ratio: number;
  /** Bucket size, and its content at start: the retries a quiet gateway may make at once. */
  capacity: number;
}

/**
 * A token bucket of retries (the retry budget of Google's SRE book and gRPC's retry throttling):
 * each request adds `ratio` tokens, each retry takes one. When an upstream fails outright, retries
 * then add at most 10% to its load — a struggling service is not buried under a retry storm — while
 * a blip that fails a few requests is still ridden through whole.
 */
export class RetryBudget {
  readonly #options: RetryBudgetOptions;
  #tokens: number;

  constructor(options: RetryBudgetOptions = { ratio: 0.1, capacity: 10 }) {
    this.#options = options;
    this.#tokens = options.capacity;
  }

  recordRequest(): void {
    this.#tokens = Math.min(this.#options.capacity, this.#tokens + this.#options.ratio);
  }

  /** Takes a token when there is one. */
  trySpend(): boolean {
    if (this.#tokens < 1 - 1e-9) return false; // ten tenths add up to 0.9999…
    this.#tokens -= 1;
    return true;
  }
}

export interface RetryPolicy extends Backoff {
  /** Retries after `connection_lost`/`unavailable`, each also needing a budget token. */
  maxRetries: number;
}

/** A restart takes seconds: waiting for a connection backs off to at most 400 ms between tries. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxRetries: 2, baseDelayMs: 50, maxDelayMs: 400 };
