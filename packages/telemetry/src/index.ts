export type { ConfigOverrides, HttpServerTracing, LogLevel, ResolvedConfig } from './config.ts';
export { parseResourceAttributes, pseudonymize, resolveConfig } from './config.ts';
export type { RequestContext } from './context.ts';
export { currentRequest, requestContext } from './context.ts';
export type { ErrorReport, ErrorReportSink, ErrorSeverity, ErrorSource } from './errors.ts';
export { ErrorTracker, errorType, fingerprint } from './errors.ts';
export type { CheckResult, Readiness, ReadinessCheck } from './health.ts';
export { Health } from './health.ts';
export { registerInstrumentationHooks } from './hooks.ts';
export type { HandlerOptions } from './http.ts';
export { HttpServerError, pickRequestId, setHttpRoute, wrapHandler } from './http.ts';
export type { Logger } from './logger.ts';
export { correlationFields, createLogger, loggerOptions } from './logger.ts';
export type {
  BoundedCounter,
  BoundedHistogram,
  BoundedHistogramOptions,
  BoundedInstrumentOptions,
  LabelSets,
} from './metrics.ts';
export {
  boundedCounter,
  boundedHistogram,
  boundedUpDownCounter,
  HTTP_DURATION_BUCKETS,
  LabelValueError,
  telemetryViews,
} from './metrics.ts';
export { isSensitiveKey, REDACTED, redact, redactAttributes, redactString } from './redact/redact.ts';
export type { ShutdownOptions, Telemetry, TelemetryOptions } from './sdk.ts';
export { getTelemetry, startTelemetry } from './sdk.ts';
export type { BatchTuning } from './tracing.ts';
export { RedactingSpanExporter, redactSpan } from './tracing.ts';
