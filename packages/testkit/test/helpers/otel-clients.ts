// Real OpenTelemetry SDK clients and OTLP exporters (the ones services use) pointed at a sink,
// so the sink's tests decode what exporters really send rather than hand-made payloads.
import type { Span, Tracer } from '@opentelemetry/api';
import { context, SeverityNumber, trace } from '@opentelemetry/api';
import { OTLPLogExporter as JsonLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as ProtobufLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtobufTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';

export type Encoding = 'protobuf' | 'json';

export interface ServiceClient {
  tracer: Tracer;
  /** Emits one log record, in the context of `span` when given. */
  log(
    level: 'info' | 'warn' | 'error',
    body: string,
    attributes?: Record<string, string | number | boolean>,
    span?: Span,
  ): void;
  /** Starts a child span of `parent`. */
  child(parent: Span, name: string): Span;
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

const SEVERITY = { info: SeverityNumber.INFO, warn: SeverityNumber.WARN, error: SeverityNumber.ERROR };

export function serviceClient(
  service: string,
  endpoints: { traces: string; logs: string },
  encoding: Encoding,
): ServiceClient {
  const resource = resourceFromAttributes({ 'service.name': service, 'deployment.environment.name': 'test' });
  const traceExporter =
    encoding === 'protobuf'
      ? new ProtobufTraceExporter({ url: endpoints.traces })
      : new JsonTraceExporter({ url: endpoints.traces });
  const logExporter =
    encoding === 'protobuf'
      ? new ProtobufLogExporter({ url: endpoints.logs })
      : new JsonLogExporter({ url: endpoints.logs });
  const tracerProvider = new TracerProvider({
    resource,
    spanProcessors: [new SimpleSpanProcessor({ exporter: traceExporter })],
  });
  const loggerProvider = new LoggerProvider({
    resource,
    processors: [new SimpleLogRecordProcessor({ exporter: logExporter })],
  });
  const tracer = tracerProvider.getTracer('testkit-test');
  const logger = loggerProvider.getLogger('testkit-test');
  return {
    tracer,
    log(level, body, attributes = {}, span) {
      logger.emit({
        severityNumber: SEVERITY[level],
        severityText: level.toUpperCase(),
        body,
        attributes,
        ...(span ? { context: trace.setSpan(context.active(), span) } : {}),
      });
    },
    child(parent, name) {
      return tracer.startSpan(name, {}, trace.setSpan(context.active(), parent));
    },
    async flush() {
      await tracerProvider.forceFlush();
      await loggerProvider.forceFlush();
    },
    async shutdown() {
      await tracerProvider.shutdown();
      await loggerProvider.shutdown();
    },
  };
}
