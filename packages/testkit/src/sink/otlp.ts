import { createRequire } from 'node:module';
import { gunzipSync, inflateSync } from 'node:zlib';
import type { Attributes, AttributeValue, MetricSample, TelemetryLogRecord, TelemetrySpan } from './model.ts';
import { levelFromSeverityNumber, SPAN_KINDS } from './model.ts';

export type OtlpSignal = 'traces' | 'logs' | 'metrics';
export type OtlpEncoding = 'protobuf' | 'json';

/** One metric data point, flattened: gauges and sums carry `value`, histograms `count` and `sum`. */
export interface TelemetryMetricPoint {
  name: string;
  unit: string;
  service: string;
  type: 'gauge' | 'sum' | 'histogram' | 'exponentialHistogram' | 'summary';
  attributes: Attributes;
  value?: number;
  count?: number;
  sum?: number;
}

interface GeneratedMessageType {
  decode(bytes: Uint8Array): object;
  toObject(message: object, options: Record<string, unknown>): unknown;
}

type GeneratedRoot = {
  opentelemetry: {
    proto: { collector: Record<string, { v1: Record<string, GeneratedMessageType> } | undefined> };
  };
};

// The generated protobufjs module of the OTLP protos, as shipped by the OpenTelemetry JS SDK
// (0.214 is the last otlp-transformer release that still ships request decoders for all signals).
// Loaded on the first protobuf request: it is large, and most importers of the testkit never decode.
// Its typings only say "a protobufjs Root"; it is a static module whose namespaces are plain
// properties, so the request types are looked up by path.
let generated: GeneratedRoot | undefined;
function otlpRoot(): GeneratedRoot {
  generated ??= createRequire(import.meta.url)(
    '@opentelemetry/otlp-transformer/build/src/generated/root.js',
  ) as GeneratedRoot;
  return generated;
}

// Signal → [namespace under opentelemetry.proto.collector, request message].
const REQUEST_TYPES: Record<OtlpSignal, [string, string]> = {
  traces: ['trace', 'ExportTraceServiceRequest'],
  logs: ['logs', 'ExportLogsServiceRequest'],
  metrics: ['metrics', 'ExportMetricsServiceRequest'],
};

function requestType(signal: OtlpSignal): GeneratedMessageType {
  const [namespace, message] = REQUEST_TYPES[signal];
  const type = otlpRoot().opentelemetry.proto.collector[namespace]?.v1[message];
  if (!type) throw new Error(`the OTLP protobuf module has no ${namespace}.v1.${message}`);
  return type;
}

/** Reads a content-type header into the OTLP/HTTP encoding it names, or undefined for anything else. */
export function encodingOf(contentType: string | undefined): OtlpEncoding | undefined {
  const type = contentType?.split(';')[0]?.trim().toLowerCase();
  if (type === 'application/x-protobuf' || type === 'application/protobuf') return 'protobuf';
  if (type === 'application/json') return 'json';
  return undefined;
}

/** Undoes `content-encoding: gzip` / `deflate`, which OTLP exporters may use. */
export function decompress(body: Buffer, contentEncoding: string | undefined): Buffer {
  const encoding = contentEncoding?.trim().toLowerCase();
  if (!encoding || encoding === 'identity') return body;
  if (encoding === 'gzip') return gunzipSync(body);
  if (encoding === 'deflate') return inflateSync(body);
  throw new Error(`unsupported content-encoding ${encoding}`);
}

// Both encodings end up as the OTLP/JSON object shape: protobuf through the generated toObject
// (int64 as strings, bytes as base64), JSON as parsed.
export type OtlpObject = Record<string, unknown>;

function parseRequest(signal: OtlpSignal, body: Buffer, encoding: OtlpEncoding): OtlpObject {
  if (encoding === 'json') {
    const parsed: unknown = JSON.parse(body.toString('utf8'));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new Error(`an OTLP/JSON ${signal} request must be an object`);
    }
    return parsed as OtlpObject;
  }
  const type = requestType(signal);
  return type.toObject(type.decode(body), {
    longs: String,
    bytes: String,
    enums: Number,
    arrays: true,
  }) as OtlpObject;
}

function list(value: unknown): OtlpObject[] {
  return Array.isArray(value) ? (value as OtlpObject[]) : [];
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

// OTLP/JSON carries ids as hex; protobuf's toObject (and Tempo's JSON, which is protobuf's JSON
// mapping) as base64. The lengths tell them apart: 32/16 hex digits against 24/12 base64 characters.
function idToHex(value: unknown): string | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  const hex =
    /^[0-9a-f]+$/i.test(value) && (value.length === 32 || value.length === 16)
      ? value.toLowerCase()
      : Buffer.from(value, 'base64').toString('hex');
  return /^0*$/.test(hex) ? undefined : hex;
}

function int64(value: unknown): number | string {
  const asString = String(value ?? '0');
  const asNumber = Number(asString);
  return Number.isSafeInteger(asNumber) ? asNumber : asString;
}

function numberOf(value: unknown): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const n = Number(value);
  return Number.isNaN(n) && value !== 'NaN' ? undefined : n;
}

/** An OTLP AnyValue to a plain value. */
export function anyValue(value: unknown): AttributeValue {
  if (typeof value !== 'object' || value === null) return null;
  const v = value as OtlpObject;
  if ('stringValue' in v) return text(v.stringValue);
  if ('boolValue' in v) return Boolean(v.boolValue);
  if ('intValue' in v) return int64(v.intValue);
  if ('doubleValue' in v) return Number(v.doubleValue);
  if ('bytesValue' in v) return text(v.bytesValue);
  if ('arrayValue' in v) return list((v.arrayValue as OtlpObject | undefined)?.values).map(anyValue);
  if ('kvlistValue' in v) return attributes((v.kvlistValue as OtlpObject | undefined)?.values);
  return null;
}

export function attributes(keyValues: unknown): Attributes {
  const out: Attributes = {};
  for (const kv of list(keyValues)) out[text(kv.key)] = anyValue(kv.value);
  return out;
}

function serviceOf(resource: Attributes): string {
  const name = resource['service.name'];
  return typeof name === 'string' ? name : 'unknown_service';
}

const STATUS_CODES = ['unset', 'ok', 'error'] as const;

export function spansFromRequest(request: OtlpObject): TelemetrySpan[] {
  const spans: TelemetrySpan[] = [];
  for (const resourceSpans of list(request.resourceSpans)) {
    const resource = attributes((resourceSpans.resource as OtlpObject | undefined)?.attributes);
    const service = serviceOf(resource);
    for (const scopeSpans of list(resourceSpans.scopeSpans)) {
      for (const span of list(scopeSpans.spans)) {
        const status = (span.status ?? {}) as OtlpObject;
        spans.push({
          traceId: idToHex(span.traceId) ?? '',
          spanId: idToHex(span.spanId) ?? '',
          parentSpanId: idToHex(span.parentSpanId),
          name: text(span.name),
          kind: SPAN_KINDS[Number(span.kind ?? 0)] ?? 'unspecified',
          service,
          attributes: attributes(span.attributes),
          resource,
          startTimeUnixNano: String(span.startTimeUnixNano ?? '0'),
          endTimeUnixNano: String(span.endTimeUnixNano ?? '0'),
          status: {
            code: STATUS_CODES[Number(status.code ?? 0)] ?? 'unset',
            message: text(status.message),
          },
          events: list(span.events).map((event) => ({
            name: text(event.name),
            attributes: attributes(event.attributes),
          })),
        });
      }
    }
  }
  return spans;
}

export function logsFromRequest(request: OtlpObject): TelemetryLogRecord[] {
  const records: TelemetryLogRecord[] = [];
  for (const resourceLogs of list(request.resourceLogs)) {
    const resource = attributes((resourceLogs.resource as OtlpObject | undefined)?.attributes);
    const service = serviceOf(resource);
    for (const scopeLogs of list(resourceLogs.scopeLogs)) {
      for (const record of list(scopeLogs.logRecords)) {
        const body = anyValue(record.body);
        const time = String(record.timeUnixNano ?? '0');
        records.push({
          timeUnixNano: time === '0' ? String(record.observedTimeUnixNano ?? '0') : time,
          level: levelFromSeverityNumber(Number(record.severityNumber ?? 0)),
          message: typeof body === 'string' ? body : '',
          body,
          fields: attributes(record.attributes),
          service,
          traceId: idToHex(record.traceId),
          spanId: idToHex(record.spanId),
          resource,
        });
      }
    }
  }
  return records;
}

export function metricPointsFromRequest(request: OtlpObject): TelemetryMetricPoint[] {
  const points: TelemetryMetricPoint[] = [];
  for (const resourceMetrics of list(request.resourceMetrics)) {
    const resource = attributes((resourceMetrics.resource as OtlpObject | undefined)?.attributes);
    const service = serviceOf(resource);
    for (const scopeMetrics of list(resourceMetrics.scopeMetrics)) {
      for (const metric of list(scopeMetrics.metrics)) {
        const base = { name: text(metric.name), unit: text(metric.unit), service };
        for (const type of ['gauge', 'sum', 'histogram', 'exponentialHistogram', 'summary'] as const) {
          const data = metric[type] as OtlpObject | undefined;
          if (!data) continue;
          for (const point of list(data.dataPoints)) {
            const value = numberOf(point.asDouble) ?? numberOf(point.asInt);
            points.push({
              ...base,
              type,
              attributes: attributes(point.attributes),
              ...(value === undefined ? {} : { value }),
              ...(point.count === undefined ? {} : { count: Number(point.count) }),
              ...(point.sum === undefined ? {} : { sum: Number(point.sum) }),
            });
          }
        }
      }
    }
  }
  return points;
}

/** Flattens metric points into samples: gauges and sums as they are, histograms as _count and _sum. */
export function samplesFromMetricPoints(points: TelemetryMetricPoint[]): MetricSample[] {
  const samples: MetricSample[] = [];
  for (const point of points) {
    const labels: Record<string, string> = { service: point.service };
    for (const [key, value] of Object.entries(point.attributes)) {
      labels[key] = typeof value === 'string' ? value : JSON.stringify(value);
    }
    if (point.value !== undefined) samples.push({ name: point.name, labels, value: point.value });
    if (point.count !== undefined) samples.push({ name: `${point.name}_count`, labels, value: point.count });
    if (point.sum !== undefined) samples.push({ name: `${point.name}_sum`, labels, value: point.sum });
  }
  return samples;
}

export type DecodedRequest =
  | { signal: 'traces'; spans: TelemetrySpan[] }
  | { signal: 'logs'; records: TelemetryLogRecord[] }
  | { signal: 'metrics'; points: TelemetryMetricPoint[] };

/** Decodes one OTLP/HTTP export request body (protobuf or JSON) into the testkit's shapes. */
export function decodeOtlpRequest(signal: OtlpSignal, body: Buffer, encoding: OtlpEncoding): DecodedRequest {
  const request = parseRequest(signal, body, encoding);
  switch (signal) {
    case 'traces':
      return { signal, spans: spansFromRequest(request) };
    case 'logs':
      return { signal, records: logsFromRequest(request) };
    case 'metrics':
      return { signal, points: metricPointsFromRequest(request) };
  }
}

/** The empty Export*ServiceResponse, in the encoding of the request (an empty message is 0 bytes). */
export function emptyResponse(encoding: OtlpEncoding): { contentType: string; body: string } {
  return encoding === 'json'
    ? { contentType: 'application/json', body: '{}' }
    : { contentType: 'application/x-protobuf', body: '' };
}
