export interface WaitOptions {
  /** Give up after this many milliseconds (default 10 000). */
  timeout?: number;
  /** Milliseconds between attempts (default 200). */
  interval?: number;
}

/** The outcome of one attempt: either the value sought, or a description of what was seen instead. */
export type Attempt<T> = { ok: true; value: T } | { ok: false; seen: string };

export const DEFAULT_TIMEOUT = 10_000;
export const DEFAULT_INTERVAL = 200;

/** The error every assertion throws: what was expected, where, and what was seen at the deadline. */
export class TelemetryAssertionError extends Error {
  override name = 'TelemetryAssertionError';
}

/**
 * Calls `attempt` until it succeeds or the deadline passes; then throws with what was expected and
 * what the last attempt saw. An attempt that throws (a backend not answering yet) counts as a miss.
 */
export async function pollUntil<T>(
  expected: string,
  attempt: () => Promise<Attempt<T>>,
  options: WaitOptions = {},
): Promise<T> {
  const timeout = options.timeout ?? DEFAULT_TIMEOUT;
  const interval = options.interval ?? DEFAULT_INTERVAL;
  const deadline = Date.now() + timeout;
  let seen = 'nothing (no attempt finished)';
  for (;;) {
    try {
      const result = await attempt();
      if (result.ok) return result.value;
      seen = result.seen;
    } catch (error) {
      seen = `an error: ${error instanceof Error ? error.message : String(error)}`;
    }
    if (Date.now() + interval > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
  throw new TelemetryAssertionError(`expected ${expected}\n(waited ${timeout} ms)\nsaw ${seen}`);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
