/**
 * The shapes the testkit asserts on. Both backends (the in-process sink and a real Tempo/Loki/
 * Prometheus) are read into these, so one assertion works over either.
 */

/** An attribute value as OTLP carries it: int64 values are numbers when they fit, strings otherwise. */
export type AttributeValue =
  | string
  | number
  | boolean
  | null
  | AttributeValue[]
  | { [key: string]: AttributeValue };

export type Attributes = Record<string, AttributeValue>;

/** OTLP span kinds by their number on the wire. */
export const SPAN_KINDS = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'] as const;
export type SpanKind = (typeof SPAN_KINDS)[number];

export interface TelemetrySpan {
  /** 32 lower-case hex digits. */
  traceId: string;
  /** 16 lower-case hex digits. */
  spanId: string;
  /** Undefined for a root span. */
  parentSpanId: string | undefined;
  name: string;
  kind: SpanKind;
  /** `service.name` of the resource that emitted the span. */
  service: string;
  attributes: Attributes;
  resource: Attributes;
  /** Nanoseconds since the epoch, as a string (it does not fit a double). */
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  status: { code: 'unset' | 'ok' | 'error'; message: string };
  events: Array<{ name: string; attributes: Attributes }>;
}

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface TelemetryLogRecord {
  /** Nanoseconds since the epoch, as a string; '0' when the record carried no time. */
  timeUnixNano: string;
  /** Normalised from the OTLP severity number or the pino level. */
  level: LogLevel | undefined;
  /** The message: OTLP body as a string, or pino's `msg`. */
  message: string;
  /** The body when it is structured (a map), else undefined. */
  body: AttributeValue;
  /** Log attributes, or the JSON line's own fields. */
  fields: Attributes;
  service: string;
  traceId: string | undefined;
  spanId: string | undefined;
  resource: Attributes;
}

/** One sample, as Prometheus or a /metrics page shows it. */
export interface MetricSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** A trace: its id and the spans received so far. */
export interface TelemetryTrace {
  traceId: string;
  spans: TelemetrySpan[];
}

/** OTLP severity numbers (1–24, four per level) to a level name. */
export function levelFromSeverityNumber(severity: number): LogLevel | undefined {
  if (!Number.isFinite(severity) || severity < 1 || severity > 24) return undefined;
  return LOG_LEVELS[Math.floor((severity - 1) / 4)];
}

/** pino's numeric levels (10 trace … 60 fatal) or a level name in any case. */
export function levelFromPino(level: unknown): LogLevel | undefined {
  if (typeof level === 'number') {
    const index = Math.round(level / 10) - 1;
    return index >= 0 && index < LOG_LEVELS.length ? LOG_LEVELS[index] : undefined;
  }
  if (typeof level === 'string') {
    const lower = level.toLowerCase();
    if (lower === 'warning') return 'warn';
    return (LOG_LEVELS as readonly string[]).includes(lower) ? (lower as LogLevel) : undefined;
  }
  return undefined;
}
