import { createHash } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Counter, context, isSpanContextValid, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Logger } from 'pino';
import { requestContext } from './context.ts';
import { redact, redactString } from './redact/redact.ts';

export type ErrorSeverity = 'critical' | 'error';
/** Where the error was caught: the process handlers, a request, off-request work, or the service's own call. */
export type ErrorSource = 'uncaughtException' | 'unhandledRejection' | 'http' | 'background' | 'manual';

/** One recorded error, already redacted: this is what leaves the process (log line, span event, sinks). */
export interface ErrorReport {
  fingerprint: string;
  error_type: string;
  severity: ErrorSeverity;
  source: ErrorSource;
  message: string;
  stack: string | undefined;
  cause: unknown;
  service: string;
  environment: string;
  /** service.version: the commit the image was built from (SERVICE_VERSION). */
  release: string | undefined;
  request_id: string | undefined;
  user_pseudo_id: string | undefined;
  trace_id: string | undefined;
  span_id: string | undefined;
  timestamp: string;
}

export type ErrorReportSink = (report: ErrorReport) => void;

const FRAME = /^\s*at (?:(.+?) \()?(.+?)(?::\d+)?(?::\d+)?\)?$/;
const ERROR_TYPE = /^[A-Za-z_$][\w$.]{0,63}$/;
const APP_FRAMES = 3;

/** This package's code, from its sources or its bundle: its frames are library frames too. */
const PACKAGE_ROOT = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const OWN_DIRS = ['src', 'dist'].map((dir) => `${path.join(PACKAGE_ROOT, dir)}${path.sep}`);

function isLibraryFrame(file: string): boolean {
  return (
    file.includes('node_modules') ||
    file.startsWith('node:') ||
    file.startsWith('internal/') ||
    OWN_DIRS.some((dir) => file.startsWith(dir))
  );
}

/**
 * A frame's file as it is on every machine running the same code: relative to the working directory
 * (the service's folder, in the image and in a checkout alike), and a dependency from its package name
 * on (where npm hoisted it is not the error's identity). Frames without a file ("native",
 * "<anonymous>", "index 0" of `Promise.all`) have no location to compare: undefined.
 */
function normalisedFile(location: string, cwd: string): string | undefined {
  const file = location.replace(/^file:\/\//, '').replace(/\?.*$/, '');
  if (file.startsWith('node:') || file.startsWith('internal/')) return file;
  if (!path.isAbsolute(file)) return undefined;
  const dependency = file.lastIndexOf(`${path.sep}node_modules${path.sep}`);
  if (dependency !== -1) return file.slice(dependency + '/node_modules/'.length);
  return path.relative(cwd, file);
}

/**
 * A stable identity for "the same error": its type plus the top three application frames, each as
 * function name and file. Deliberately without line or column: any edit above the throw (an import, a
 * formatter run) moves them, so every release would open "new" errors and split one failure's count
 * across deploys; the report's release and full stack say where exactly. The price: two throws of the
 * same type in one function share a fingerprint. Different messages (ids, amounts) never split one.
 * Frames of dependencies and of this package are skipped; an error thrown entirely inside them (a
 * socket error in a driver) is identified by its top frames there instead. An error with no frames of
 * its failure (a 5xx answered without a throw) names its identity in `fingerprintIdentity`, a string
 * from a bounded set: each distinct one is a series of app_errors_total.
 */
export function fingerprint(error: Error, cwd = process.cwd()): string {
  const { fingerprintIdentity } = error as { fingerprintIdentity?: unknown };
  const frames: string[] = [];
  const fallback: string[] = [];
  for (const line of (error.stack ?? '').split('\n').slice(1)) {
    const match = FRAME.exec(line);
    if (!match) continue;
    const location = (match[2] ?? '').replace(/^file:\/\//, '');
    const file = normalisedFile(location, cwd);
    if (file === undefined) continue;
    const frame = `${(match[1] ?? '<anonymous>').replace(/^async /, '')}@${file}`;
    if (fallback.length < APP_FRAMES) fallback.push(frame);
    if (!isLibraryFrame(location)) frames.push(frame);
    if (frames.length === APP_FRAMES) break;
  }
  const chosen = frames.length > 0 ? frames : fallback;
  return createHash('sha256')
    .update(
      [
        errorType(error),
        ...(typeof fingerprintIdentity === 'string' ? [fingerprintIdentity] : []),
        ...chosen,
      ].join('\n'),
    )
    .digest('hex')
    .slice(0, 16);
}

/** The error's class name, if it looks like one; anything else (a name set from input) becomes "Error". */
export function errorType(error: Error): string {
  const name = error.name || error.constructor?.name || 'Error';
  return ERROR_TYPE.test(name) && redactString(name) === name ? name : 'Error';
}

export function toError(value: unknown): Error {
  if (value instanceof Error) return value;
  const error = new Error(typeof value === 'string' ? value : `non-error value thrown: ${typeof value}`);
  error.name = 'NonErrorThrown';
  return error;
}

export interface ErrorTrackerConfig {
  service: string;
  environment: string;
  /** service.version, so a report says which build failed and whether a deploy brought the error. */
  release?: string | undefined;
  logger: Logger;
  /** app_errors_total{fingerprint, error_type, severity} */
  counter: Counter;
  sinks?: ErrorReportSink[];
}

/** Records errors: redacted report, log line, exception event on the active span, and the counter. */
export class ErrorTracker {
  readonly #config: ErrorTrackerConfig;
  readonly #sinks: ErrorReportSink[];

  constructor(config: ErrorTrackerConfig) {
    this.#config = config;
    this.#sinks = [...(config.sinks ?? [])];
  }

  /** Adds a destination for reports (an error-tracking service, or a test's array). */
  addSink(sink: ErrorReportSink): () => void {
    this.#sinks.push(sink);
    return () => this.#sinks.splice(this.#sinks.indexOf(sink), 1);
  }

  capture(thrown: unknown, options: { severity?: ErrorSeverity; source?: ErrorSource } = {}): ErrorReport {
    const error = toError(thrown);
    const safe = redact(error);
    const severity = options.severity ?? 'error';
    const request = requestContext.getStore();
    if (request) request.errorReported = true;
    const span = trace.getSpan(context.active());
    const spanContext = span?.spanContext();
    const traced = spanContext !== undefined && isSpanContextValid(spanContext);
    const report: ErrorReport = {
      fingerprint: fingerprint(error),
      error_type: errorType(error),
      severity,
      source: options.source ?? 'manual',
      message: safe.message,
      stack: safe.stack,
      cause: (safe as { cause?: unknown }).cause,
      service: this.#config.service,
      environment: this.#config.environment,
      release: this.#config.release,
      request_id: request?.requestId,
      user_pseudo_id: request?.userPseudoId,
      trace_id: traced ? spanContext.traceId : undefined,
      span_id: traced ? spanContext.spanId : undefined,
      timestamp: new Date().toISOString(),
    };
    if (span && traced) {
      // recordException's exception.type prefers an error's `code` (ECONNREFUSED) over its class; the
      // event carries the same type and fingerprint as the log line and the counter, to join them.
      span.addEvent('exception', {
        'exception.type': report.error_type,
        'exception.message': safe.message,
        ...(safe.stack === undefined ? {} : { 'exception.stacktrace': safe.stack }),
        'app.error.fingerprint': report.fingerprint,
        'app.error.severity': severity,
        'app.error.source': report.source,
        ...(report.request_id === undefined ? {} : { 'app.request_id': report.request_id }),
        ...(report.user_pseudo_id === undefined ? {} : { 'enduser.pseudo.id': report.user_pseudo_id }),
      });
      span.setStatus({ code: SpanStatusCode.ERROR, message: safe.message });
    }
    this.#config.counter.add(1, {
      fingerprint: report.fingerprint,
      error_type: report.error_type,
      severity,
    });
    this.#config.logger[severity === 'critical' ? 'fatal' : 'error'](
      { err: safe, error_report: { ...report, stack: undefined, cause: undefined } },
      `${report.error_type} recorded (${report.source})`,
    );
    for (const sink of this.#sinks) {
      try {
        sink(report);
      } catch {
        // A failing sink must not turn one error into two.
      }
    }
    return report;
  }
}
