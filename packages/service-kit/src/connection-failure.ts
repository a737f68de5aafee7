/**
 * Why a call to another service failed below HTTP, which decides whether it may be sent again:
 * - `not_connected` (refused, name not resolvable, connect timeout): nothing reached the other side, so
 *   nothing was acted on, and any request (a POST too) is safe to send again. This is what a restarting
 *   single replica looks like: its name leaves compose DNS, then its port refuses until it listens.
 * - `connection_lost` (reset, closed mid-request): the other side may have received it; only an
 *   idempotent request may be sent again.
 * - `unavailable`: it answered 502/503.
 */
export type UpstreamFailure = 'not_connected' | 'connection_lost' | 'unavailable';

const NOT_CONNECTED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT']);
const CONNECTION_LOST = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);

/** The failure kind of a fetch rejection (undici puts the socket error in `cause`, several in `errors`). */
export function classifyFetchError(error: unknown): UpstreamFailure | undefined {
  const codes: string[] = [];
  const visit = (value: unknown, depth: number) => {
    if (!value || typeof value !== 'object' || depth > 4) return;
    const { code, cause, errors } = value as { code?: unknown; cause?: unknown; errors?: unknown };
    if (typeof code === 'string') codes.push(code);
    visit(cause, depth + 1);
    if (Array.isArray(errors)) for (const inner of errors) visit(inner, depth + 1);
  };
  visit(error, 0);
  if (codes.length > 0 && codes.every((code) => NOT_CONNECTED.has(code))) return 'not_connected';
  if (codes.some((code) => CONNECTION_LOST.has(code) || NOT_CONNECTED.has(code))) return 'connection_lost';
  return undefined;
}

export interface Backoff {
  /** The wait before try n (from 0) is random in [0, min(maxDelayMs, baseDelayMs * 2^n)]. */
  baseDelayMs: number;
  maxDelayMs: number;
}

/**
 * Full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"): callers that failed together
 * spread out instead of coming back together at the moment the other side listens again.
 */
export function backoffMs(backoff: Backoff, retry: number, random: () => number = Math.random): number {
  return Math.round(random() * Math.min(backoff.maxDelayMs, backoff.baseDelayMs * 2 ** retry));
}
