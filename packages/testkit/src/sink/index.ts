export { logRecordFromJsonLine } from './log-lines.ts';
export type {
  Attributes,
  AttributeValue,
  LogLevel,
  MetricSample,
  SpanKind,
  TelemetryLogRecord,
  TelemetrySpan,
  TelemetryTrace,
} from './model.ts';
export type { OtlpEncoding, OtlpSignal, TelemetryMetricPoint } from './otlp.ts';
export { decodeOtlpRequest } from './otlp.ts';
export type { RejectedRequest, TelemetrySinkOptions } from './telemetry-sink.ts';
export { TelemetrySink } from './telemetry-sink.ts';
