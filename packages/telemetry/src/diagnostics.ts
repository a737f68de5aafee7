import { type DiagLogger, DiagLogLevel, diag } from '@opentelemetry/api';
import type { Logger } from 'pino';

export interface DiagnosticsOptions {
  /** One line per kind of message per window; the next line says how many were held back. Default 60 s. */
  windowMs?: number;
  /** Distinct kinds of message logged per window, beyond which the rest wait for the next window. Default 20. */
  kindsPerWindow?: number;
  /** The clock; tests move it. */
  now?: () => number;
}

/**
 * The kind of a diagnostic message: its first 80 characters with digits folded, so the same failure
 * with another port, count or duration is one kind ("Dropped 12 spans…", "connect ECONNREFUSED …:4318").
 */
function kindOf(level: 'error' | 'warn', message: string): string {
  return `${level} ${message.slice(0, 80).replace(/\d+/g, '#')}`;
}

/**
 * Routes the OpenTelemetry API's diagnostics (the SDK's own warnings and errors: a dropped label
 * value, a failed or timed-out export, an instrumentation that could not patch) to the service's JSON
 * log at warn level, `component: "opentelemetry"`. Each argument goes through the logger's redaction
 * hook, as every log argument does.
 *
 * Rate-limited: an exporter whose endpoint is down fails every batch, once a second by default, and
 * would write a line each time — most of the log volume exactly when the collector is already
 * struggling, and CPU spent on stdout under load. One line per kind per window says it is happening;
 * the count of the lines held back follows in the next window's line.
 */
export function routeDiagnostics(logger: Logger, options: DiagnosticsOptions = {}): void {
  const windowMs = options.windowMs ?? 60_000;
  const kindsPerWindow = options.kindsPerWindow ?? 20;
  const now = options.now ?? Date.now;
  const log = logger.child({ component: 'opentelemetry' });
  let windowStart = Number.NEGATIVE_INFINITY;
  let kindsThisWindow = 0;
  const lastLogged = new Map<string, number>();
  const heldBack = new Map<string, number>();

  const write = (level: 'error' | 'warn', message: string, args: unknown[]) => {
    const at = now();
    if (at - windowStart >= windowMs) {
      windowStart = at;
      kindsThisWindow = 0;
      // Bounded memory whatever the SDK says: kinds not seen for a window are forgotten.
      for (const [kind, last] of lastLogged) if (at - last >= windowMs) lastLogged.delete(kind);
      if (heldBack.size > 1000) heldBack.clear();
    }
    const kind = kindOf(level, message);
    const last = lastLogged.get(kind);
    if ((last !== undefined && at - last < windowMs) || kindsThisWindow >= kindsPerWindow) {
      heldBack.set(kind, (heldBack.get(kind) ?? 0) + 1);
      return;
    }
    kindsThisWindow++;
    lastLogged.set(kind, at);
    const suppressed = heldBack.get(kind) ?? 0;
    heldBack.delete(kind);
    const fields = {
      ...(args.length > 0 ? { diag_args: args } : {}),
      ...(suppressed > 0 ? { suppressed, window_ms: windowMs } : {}),
    };
    log[level](fields, message);
  };

  const diagLogger: DiagLogger = {
    error: (message, ...args) => write('error', message, args),
    warn: (message, ...args) => write('warn', message, args),
    info: () => {},
    debug: () => {},
    verbose: () => {},
  };
  diag.setLogger(diagLogger, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
}
