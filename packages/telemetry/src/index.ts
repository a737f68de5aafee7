// The package's public surface: the façade (startTelemetry/getTelemetry and the Telemetry it returns),
// setHttpRoute for frameworks that route after the handler, and the types those signatures name.
// Everything else (SDK assembly, exporters, redaction, the error tracker's internals) stays behind it.
export type { ConfigOverrides, HttpServerTracing, LogLevel, ResolvedConfig } from './config.ts';
export type { ErrorReport, ErrorReportSink, ErrorSeverity, ErrorSource, ErrorTracker } from './errors.ts';
export type { CheckResult, Health, Readiness, ReadinessCheck } from './health.ts';
export type { HandlerOptions } from './http.ts';
export { setHttpRoute } from './http.ts';
export type { Logger } from './logger.ts';
export type {
  BoundedCounter,
  BoundedHistogram,
  BoundedHistogramOptions,
  BoundedInstrumentOptions,
  LabelSets,
} from './metrics.ts';
export type { ShutdownOptions, Telemetry, TelemetryOptions } from './telemetry.ts';
export { getTelemetry, startTelemetry } from './telemetry.ts';
export type { BatchTuning } from './tracing.ts';
