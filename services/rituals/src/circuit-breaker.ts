/** The states of the circuit in front of the model; also the values of its metric's `state` label. */
export const CIRCUIT_STATES = ['closed', 'open', 'half_open'] as const;
export type CircuitState = (typeof CIRCUIT_STATES)[number];

export interface CircuitBreakerSettings {
  /** Opens after this many failures in a row, whatever the window holds. */
  consecutiveFailures: number;
  /** Opens when at least `minimumCalls` calls in the last `windowMs` failed at this ratio or more. */
  failureRatio: number;
  minimumCalls: number;
  windowMs: number;
  /** How long an open circuit refuses calls before it lets one probe through (half-open). */
  openMs: number;
}

/**
 * The numbers, and why:
 * - 5 failures in a row: a healthy provider fails a few percent of calls; five in a row at a 5 %
 *   error rate happens about once in 3 million calls, while a dead model trips it after 5 requests.
 * - 50 % of at least 10 calls in 30 s: a flapping model that answers every other call never makes
 *   5 in a row, yet half the users wait for nothing; 10 calls keep one unlucky pair from tripping it.
 * - open for 15 s: long enough for a provider's overload to drain (their own rate-limit windows are
 *   10–60 s), short enough that a recovered model serves users again within one Retry-After.
 */
export const RITUALS_CIRCUIT: CircuitBreakerSettings = {
  consecutiveFailures: 5,
  failureRatio: 0.5,
  minimumCalls: 10,
  windowMs: 30_000,
  openMs: 15_000,
};

export class CircuitOpenError extends Error {
  readonly retryAfterMs: number;
  constructor(retryAfterMs: number) {
    super(`the circuit to the model is open; retry in ${Math.ceil(retryAfterMs / 1000)} s`);
    this.name = 'CircuitOpenError';
    this.retryAfterMs = retryAfterMs;
  }
}

/**
 * closed → open after too many failures → half-open after `openMs`: exactly one call (the probe) goes
 * through; its success closes the circuit, its failure opens it again. Calls arriving while open or
 * while the probe is out fail at once with CircuitOpenError, so a failing model is not hammered.
 */
export class CircuitBreaker {
  readonly #settings: CircuitBreakerSettings;
  readonly #now: () => number;
  readonly #onStateChange: (state: CircuitState) => void;
  #state: CircuitState = 'closed';
  #openedAt = 0;
  #probing = false;
  #consecutive = 0;
  /** Outcomes of the calls in the window (time, failed), oldest first. */
  #window: Array<{ at: number; failed: boolean }> = [];

  constructor(
    settings: CircuitBreakerSettings = RITUALS_CIRCUIT,
    options: { now?: () => number; onStateChange?: (state: CircuitState) => void } = {},
  ) {
    this.#settings = settings;
    this.#now = options.now ?? Date.now;
    this.#onStateChange = options.onStateChange ?? (() => undefined);
  }

  get state(): CircuitState {
    if (this.#state === 'open' && this.#remainingOpenMs() === 0) this.#moveTo('half_open');
    return this.#state;
  }

  /**
   * How long a caller whose call just failed should wait: what is left of the open period, or 1 s
   * while the circuit is closed (a failure that did not open it is likely transient, and one retry
   * costs the model one call).
   */
  get retryAfterMs(): number {
    return this.state === 'open' ? this.#remainingOpenMs() : 1000;
  }

  /** Runs `call` unless the circuit refuses it; records its outcome. */
  async run<T>(call: () => Promise<T>): Promise<T> {
    const state = this.state;
    if (state === 'open' || (state === 'half_open' && this.#probing)) {
      throw new CircuitOpenError(state === 'open' ? this.#remainingOpenMs() : this.#settings.openMs);
    }
    const probe = state === 'half_open';
    if (probe) this.#probing = true;
    try {
      const result = await call();
      this.#record(false, probe);
      return result;
    } catch (error) {
      this.#record(true, probe);
      throw error;
    } finally {
      if (probe) this.#probing = false;
    }
  }

  #record(failed: boolean, probe: boolean): void {
    const now = this.#now();
    if (probe) {
      if (failed) this.#open(now);
      else this.#close();
      return;
    }
    // A call that started before the circuit opened says nothing new about the model.
    if (this.#state !== 'closed') return;
    this.#consecutive = failed ? this.#consecutive + 1 : 0;
    this.#window.push({ at: now, failed });
    while ((this.#window[0]?.at ?? now) <= now - this.#settings.windowMs) this.#window.shift();
    const failures = this.#window.filter((c) => c.failed).length;
    const { consecutiveFailures, minimumCalls, failureRatio } = this.#settings;
    const ratioTripped =
      this.#window.length >= minimumCalls && failures / this.#window.length >= failureRatio;
    if (this.#consecutive >= consecutiveFailures || ratioTripped) this.#open(now);
  }

  #open(now: number): void {
    this.#openedAt = now;
    this.#window = [];
    this.#consecutive = 0;
    this.#moveTo('open');
  }

  #close(): void {
    this.#window = [];
    this.#consecutive = 0;
    this.#moveTo('closed');
  }

  #remainingOpenMs(): number {
    return Math.max(0, this.#openedAt + this.#settings.openMs - this.#now());
  }

  #moveTo(state: CircuitState): void {
    if (this.#state === state) return;
    this.#state = state;
    this.#onStateChange(state);
  }
}
