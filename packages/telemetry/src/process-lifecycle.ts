import type { Server, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { ErrorSource, ErrorTracker } from './errors.ts';
import type { Health } from './health.ts';

export interface ShutdownOptions {
  /** Servers to close once draining has given load balancers time to notice. */
  servers?: Server[];
  /** How long /readyz answers 503 before the servers close (default 5000 ms, TELEMETRY_DRAIN_MS). */
  drainMs?: number;
  /** Called after draining, before telemetry is flushed (close pools, queues…). */
  beforeExit?: () => Promise<void> | void;
}

export interface LifecycleOptions {
  logger: Logger;
  errors: ErrorTracker;
  health: Health;
  /** Flushes and stops the SDK. */
  stopSdk: () => Promise<void>;
  /** Whether the last export failed: the shutdown flush then waits UNREACHABLE_FLUSH_MS, not SHUTDOWN_FLUSH_MS. */
  exportFailing?: () => boolean;
  /** Record uncaught exceptions and unhandled rejections, then exit 1. */
  crashHandlers: boolean;
  /** The longest a crashed process waits for a scrape before it exits (TELEMETRY_CRASH_SCRAPE_WAIT_MS). */
  crashScrapeWaitMs: number;
}

export interface ProcessLifecycle {
  /** Flushes and stops exporters once, however often it is called; bounded (SHUTDOWN_FLUSH_MS, UNREACHABLE_FLUSH_MS). */
  shutdown(): Promise<void>;
  /** SIGTERM/SIGINT: readiness false, drain, close servers, flush telemetry, exit 0. */
  installShutdownHandlers(options?: ShutdownOptions): void;
  /** Told of every /metrics answer: a crashed process exits once a scrape that began after the crash is answered. */
  observeScrape(res: ServerResponse): void;
}

/** The longest the last flush waits for an endpoint that took the last batch (TELEMETRY_SHUTDOWN_FLUSH_MS). */
export const SHUTDOWN_FLUSH_MS = 15_000;
/**
 * …and for one that did not: its spans are as good as lost, and every second waited is a second the
 * process is neither serving nor replaced (a restarted single replica, a reload under `--watch`).
 */
export const UNREACHABLE_FLUSH_MS = 1_000;

/** Waits for `promise` (whatever it settles to) or `ms`, whichever comes first. */
export function withTimeout(promise: Promise<unknown>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    timer.unref();
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    promise.then(done, done);
  });
}

/**
 * Shutdown, SIGTERM draining, and crashes. A crash is recorded as a critical error, and the process then
 * keeps answering /metrics (readiness false) until one scrape has read that count, at most
 * `crashScrapeWaitMs`: a process that exited at once would never be scraped with it, and Prometheus —
 * so the CriticalError alert — would never learn of the crash.
 */
export function processLifecycle(options: LifecycleOptions): ProcessLifecycle {
  const { logger, errors, health } = options;
  let shuttingDown: Promise<void> | undefined;
  const shutdown = (): Promise<void> => {
    const configured = Number(process.env.TELEMETRY_SHUTDOWN_FLUSH_MS ?? SHUTDOWN_FLUSH_MS);
    const boundMs = Math.min(configured, options.exportFailing?.() ? UNREACHABLE_FLUSH_MS : configured);
    shuttingDown ??= withTimeout(options.stopSdk(), boundMs).then(() => logger.flush());
    return shuttingDown;
  };

  let crashed = false;
  let releaseCrashWait: (() => void) | undefined;
  const onCrash = (error: unknown, source: ErrorSource) => {
    errors.capture(error, { severity: 'critical', source });
    if (crashed) return;
    crashed = true;
    process.exitCode = 1;
    health.startDraining();
    const waitMs = options.crashScrapeWaitMs;
    logger.warn(
      { crash_scrape_wait_ms: waitMs },
      'crashed: readiness is now false; exiting after the next scrape of /metrics',
    );
    // A ref'd timer: the process must live until the scrape, even when nothing else keeps it alive.
    const scraped = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, waitMs);
      releaseCrashWait = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    void scraped.then(() => withTimeout(shutdown(), 3000)).then(() => process.exit(1));
  };
  if (options.crashHandlers) {
    process.on('uncaughtException', (error, origin) =>
      onCrash(error, origin === 'unhandledRejection' ? 'unhandledRejection' : 'uncaughtException'),
    );
    process.on('unhandledRejection', (reason) => onCrash(reason, 'unhandledRejection'));
  }

  return {
    shutdown,
    observeScrape(res) {
      // A scrape already running when the crash happened may have collected before the count rose.
      if (crashed) res.once('finish', () => releaseCrashWait?.());
    },
    installShutdownHandlers(shutdownOptions = {}) {
      const drainMs = shutdownOptions.drainMs ?? Number(process.env.TELEMETRY_DRAIN_MS ?? 5000);
      let started = false;
      const onSignal = (signal: NodeJS.Signals) => {
        if (started) return;
        started = true;
        health.startDraining();
        logger.info({ signal, drain_ms: drainMs }, 'draining: readiness is now false');
        setTimeout(async () => {
          await Promise.all(
            (shutdownOptions.servers ?? []).map(
              (server) =>
                new Promise<void>((resolve) => {
                  server.close(() => resolve());
                  server.closeIdleConnections();
                }),
            ),
          );
          await shutdownOptions.beforeExit?.();
          logger.info('shutdown: flushing telemetry');
          await shutdown();
          process.exit(0);
        }, drainMs);
      };
      process.once('SIGTERM', onSignal);
      process.once('SIGINT', onSignal);
    },
  };
}
