import { z } from 'zod';

/** Fault injection for alert demonstrations and tests: added latency and an error rate, off by default. */
export interface FaultSettings {
  /** Added to every request before it is handled. */
  latencyMs: number;
  /** Fraction of requests (0..1) answered 503 before they are handled. */
  errorRate: number;
  /**
   * Once, not kept: crash the process shortly after, the way a bug does (an uncaught exception or an
   * unhandled rejection), so the crash path — its report, the scrape it waits for, CriticalError — can
   * be exercised on a real service (test/alerts/live-crash.int.test.ts).
   */
  crash?: CrashKind;
}

export type CrashKind = 'uncaughtException' | 'unhandledRejection';

/** The error an injected crash throws: its type names it in the report and in the alert. */
export class InjectedCrash extends Error {
  override name = 'InjectedCrash';
}

export const faultSettingsSchema = z.strictObject({
  latencyMs: z.number().int().min(0).max(60_000),
  errorRate: z.number().min(0).max(1),
  crash: z.enum(['uncaughtException', 'unhandledRejection']).optional(),
});

export const NO_FAULTS: FaultSettings = Object.freeze({ latencyMs: 0, errorRate: 0 });

/** Reads FAULT_LATENCY_MS and FAULT_ERROR_RATE; anything unset or invalid means no fault. */
export function faultsFromEnv(env: NodeJS.ProcessEnv = process.env): FaultSettings {
  const parsed = faultSettingsSchema.safeParse({
    latencyMs: Number(env.FAULT_LATENCY_MS ?? 0),
    errorRate: Number(env.FAULT_ERROR_RATE ?? 0),
  });
  if (!parsed.success) {
    throw new Error(
      'FAULT_LATENCY_MS must be an integer 0..60000 and FAULT_ERROR_RATE a number 0..1 — fix or unset them',
    );
  }
  return parsed.data;
}

function crashNow(kind: CrashKind): void {
  const error = new InjectedCrash(`crash injected through /admin/faults (${kind})`);
  if (kind === 'unhandledRejection') void Promise.reject(error);
  else throw error;
}

export class FaultInjector {
  #settings: FaultSettings;
  readonly #random: () => number;

  constructor(settings: FaultSettings = NO_FAULTS, random: () => number = Math.random) {
    this.#settings = { ...settings };
    this.#random = random;
  }

  get settings(): FaultSettings {
    return { ...this.#settings };
  }

  set(settings: FaultSettings): void {
    const { crash, ...kept } = settings;
    this.#settings = kept;
    // After the answer to the request that asked for it has gone out.
    if (crash) setTimeout(() => crashNow(crash), 100);
  }

  /** What to do with the next request: how long to wait first, and whether to fail it. */
  decide(): { delayMs: number; fail: boolean } {
    const { latencyMs, errorRate } = this.#settings;
    return { delayMs: latencyMs, fail: errorRate > 0 && this.#random() < errorRate };
  }
}
