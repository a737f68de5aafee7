import { context, isSpanContextValid, trace } from '@opentelemetry/api';
import { type DestinationStream, type Logger, type LoggerOptions, pino } from 'pino';
import type { LogLevel } from './config.ts';
import { requestContext } from './context.ts';
import { redact } from './redact/redact.ts';

export type { Logger } from 'pino';

export interface LoggerConfig {
  service: string;
  environment: string;
  version: string;
  level: LogLevel;
  /** Pretty, coloured lines (pino-pretty) instead of JSON; only for a developer's terminal. */
  pretty?: boolean;
  /** Where JSON lines go; stdout by default. Tests pass a stream that collects them. */
  destination?: DestinationStream;
}

/**
 * Correlation fields merged into every line: the active span's trace_id/span_id and the request id
 * (and pseudonymous user id) of the request being served.
 */
export function correlationFields(): Record<string, string> {
  const fields: Record<string, string> = {};
  const span = trace.getSpan(context.active());
  if (span) {
    const spanContext = span.spanContext();
    if (isSpanContextValid(spanContext)) {
      fields.trace_id = spanContext.traceId;
      fields.span_id = spanContext.spanId;
    }
  }
  const request = requestContext.getStore();
  if (request) {
    fields.request_id = request.requestId;
    if (request.userPseudoId) fields.user_pseudo_id = request.userPseudoId;
  }
  return fields;
}

/** The pino options every service logger uses: JSON, string levels, correlation, redaction. */
export function loggerOptions(config: Omit<LoggerConfig, 'destination' | 'pretty'>): LoggerOptions {
  return {
    level: config.level,
    base: { service: config.service, environment: config.environment, version: config.version },
    mixin: correlationFields,
    formatters: {
      level: (label) => ({ level: label }),
    },
    hooks: {
      // Every argument (merging object, message, printf arguments, Errors) is redacted before pino
      // serialises it; redact() copies only what it changes.
      logMethod(args, method) {
        for (let i = 0; i < args.length; i++) (args as unknown[])[i] = redact(args[i]);
        return method.apply(this, args);
      },
    },
  };
}

/**
 * pino serialises child bindings once, at `child()`, outside the logMethod hook; children inherit
 * from their parent's prototype, so replacing `child` on the root covers every descendant.
 */
function redactChildBindings(root: Logger): Logger {
  const originalChild = root.child;
  root.child = function child(this: Logger, bindings, options) {
    return originalChild.call(this, redact(bindings), options);
  } as Logger['child'];
  return root;
}

export function createLogger(config: LoggerConfig): Logger {
  const options = loggerOptions(config);
  if (config.destination) return redactChildBindings(pino(options, config.destination));
  if (config.pretty) {
    return redactChildBindings(
      pino({ ...options, transport: { target: 'pino-pretty', options: { colorize: true } } }),
    );
  }
  return redactChildBindings(pino(options));
}
