import type { Attributes, AttributeValue, TelemetryLogRecord } from './model.ts';
import { levelFromPino } from './model.ts';

// Field names a service's JSON log line uses for what OTLP carries outside the attributes.
const TRACE_ID_FIELDS = ['trace_id', 'traceId', 'trace.id'];
const SPAN_ID_FIELDS = ['span_id', 'spanId', 'span.id'];
const SERVICE_FIELDS = ['service', 'service.name', 'service_name'];
const MESSAGE_FIELDS = ['msg', 'message'];

function firstString(fields: Record<string, unknown>, names: string[]): string | undefined {
  for (const name of names) {
    const value = fields[name];
    if (typeof value === 'string' && value !== '') return value;
  }
  return undefined;
}

function nanosFrom(time: unknown): string {
  if (typeof time === 'number') return (BigInt(Math.round(time)) * 1_000_000n).toString();
  if (typeof time === 'string') {
    const ms = Date.parse(time);
    if (!Number.isNaN(ms)) return (BigInt(ms) * 1_000_000n).toString();
  }
  return '0';
}

/**
 * Reads one JSON log line (pino's shape: `level`, `time`, `msg`, plus `trace_id`, `span_id`,
 * `service`) into a log record, the way Loki's `| json` stage would see it. Returns undefined for a
 * line that is not a JSON object (a stack trace printed by hand, say).
 */
export function logRecordFromJsonLine(
  line: string,
  defaults: { service?: string; labels?: Record<string, string> } = {},
): TelemetryLogRecord | undefined {
  const trimmed = line.trim();
  if (!trimmed.startsWith('{')) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const fields = parsed as Record<string, AttributeValue>;
  const resource: Attributes = { ...(defaults.labels ?? {}) };
  const service = firstString(fields, SERVICE_FIELDS) ?? defaults.service ?? 'unknown_service';
  return {
    timeUnixNano: nanosFrom(fields.time ?? fields.timestamp),
    level: levelFromPino(fields.level ?? fields.severity),
    message: firstString(fields, MESSAGE_FIELDS) ?? '',
    body: trimmed,
    fields,
    service,
    traceId: firstString(fields, TRACE_ID_FIELDS)?.toLowerCase(),
    spanId: firstString(fields, SPAN_ID_FIELDS)?.toLowerCase(),
    resource,
  };
}
