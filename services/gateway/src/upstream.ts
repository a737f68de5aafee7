import { Readable } from 'node:stream';
import { errorBody, HttpError } from '@telemetry-kit/service-kit';

export interface UpstreamResponse {
  status: number;
  body: unknown;
}

/**
 * A JSON client for one internal service. Trace context travels with every call (the telemetry
 * library instruments fetch). Client errors of the upstream pass through; its failures become a
 * 502 (or 504 on timeout) naming the service, never a crash.
 */
export class Upstream {
  readonly name: string;
  readonly #baseUrl: string;
  readonly #timeoutMs: number;

  constructor(name: string, baseUrl: string, timeoutMs: number) {
    this.name = name;
    this.#baseUrl = baseUrl.replace(/\/$/, '');
    this.#timeoutMs = timeoutMs;
  }

  async #fetch(method: string, path: string, body?: unknown, accept = 'application/json'): Promise<Response> {
    try {
      return await fetch(`${this.#baseUrl}${path}`, {
        method,
        headers: body === undefined ? { accept } : { accept, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (error) {
      const timedOut = error instanceof Error && error.name === 'TimeoutError';
      throw new HttpError(
        timedOut ? 504 : 502,
        timedOut ? 'upstream_timeout' : 'upstream_unavailable',
        `${this.name} did not answer${timedOut ? ' in time' : ''}`,
      );
    }
  }

  async json(method: string, path: string, body?: unknown): Promise<UpstreamResponse> {
    const response = await this.#fetch(method, path, body);
    const parsed: unknown = await response.json().catch(() => undefined);
    if (response.status >= 500) {
      const code = (parsed as { error?: { code?: unknown } } | undefined)?.error?.code;
      throw new HttpError(
        response.status === 504 ? 504 : 502,
        typeof code === 'string' ? code : 'upstream_error',
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
    const response = await this.#fetch('GET', path, undefined, '*/*');
    if (response.status >= 500) throw new HttpError(502, 'upstream_error', `${this.name} failed to answer`);
    return {
      status: response.status,
      contentType: response.headers.get('content-type') ?? 'application/octet-stream',
      body: response.body ? Readable.fromWeb(response.body) : undefined,
    };
  }

  /** Readiness: the service says it is ready. */
  async check(): Promise<void> {
    const response = await this.#fetch('GET', '/readyz');
    await response.body?.cancel();
    if (!response.ok) throw new Error(`${this.name} is not ready (HTTP ${response.status})`);
  }
}
