import { redactString } from './redact/redact.ts';

export interface ReadinessCheck {
  /** Shown in the /readyz body, e.g. "postgres". */
  name: string;
  /** Resolves when the dependency is usable; rejects (or resolves false) when not. Honour the signal. */
  check: (signal: AbortSignal) => Promise<unknown>;
  /** Default 1000 ms; a check slower than this counts as failed. */
  timeoutMs?: number;
  /**
   * Default true. False for a dependency every replica shares and whose outage the service answers
   * itself (a clear 5xx on the routes that need it): a failure shows in the /readyz body as `degraded`
   * but leaves the service ready, so an outage upstream does not take every replica out of service.
   */
  required?: boolean;
}

export interface CheckResult {
  name: string;
  ok: boolean;
  /** False for a check that does not gate readiness (see ReadinessCheck.required). */
  required: boolean;
  duration_ms: number;
  error?: string;
}

export interface Readiness {
  ready: boolean;
  /** A check that does not gate readiness failed. */
  degraded: boolean;
  draining: boolean;
  checks: CheckResult[];
}

const DEFAULT_TIMEOUT_MS = 1000;

/** Liveness (the process answers) and readiness (dependencies answer, and we are not draining). */
export class Health {
  readonly #checks: ReadinessCheck[] = [];
  #draining = false;

  addCheck(check: ReadinessCheck): void {
    this.#checks.push(check);
  }

  /** From now on /readyz answers 503, so load balancers stop sending new requests. */
  startDraining(): void {
    this.#draining = true;
  }

  get draining(): boolean {
    return this.#draining;
  }

  liveness(): { status: 'ok' } {
    return { status: 'ok' };
  }

  async readiness(): Promise<Readiness> {
    const checks = await Promise.all(this.#checks.map((check) => runCheck(check)));
    return {
      ready: !this.#draining && checks.every((c) => c.ok || !c.required),
      degraded: checks.some((c) => !c.ok && !c.required),
      draining: this.#draining,
      checks,
    };
  }
}

async function runCheck(check: ReadinessCheck): Promise<CheckResult> {
  const timeoutMs = check.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const required = check.required ?? true;
  const controller = new AbortController();
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      // Reject before aborting: a check that settles on abort must not win the race.
      reject(new Error(`timed out after ${timeoutMs} ms`));
      controller.abort();
    }, timeoutMs);
  });
  try {
    const outcome = await Promise.race([check.check(controller.signal), timeout]);
    if (outcome === false) throw new Error('check reported not ready');
    return { name: check.name, ok: true, required, duration_ms: Math.round(performance.now() - started) };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return {
      name: check.name,
      ok: false,
      required,
      duration_ms: Math.round(performance.now() - started),
      // Connection errors often quote URLs with credentials.
      error: redactString(message),
    };
  } finally {
    clearTimeout(timer);
  }
}
