import { context, type Tracer, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { createLogger } from '../src/logger.ts';
import { telemetryViews } from '../src/metrics.ts';
import { LineCollector } from '../src/testing/line-collector.ts';
import { RedactingSpanExporter } from '../src/tracing.ts';

/** A tracer whose spans pass through the redacting exporter into memory. */
export function inMemoryTracing(): { tracer: Tracer; spans: InMemorySpanExporter; provider: TracerProvider } {
  const spans = new InMemorySpanExporter();
  const provider = new TracerProvider({
    spanProcessors: [new SimpleSpanProcessor({ exporter: new RedactingSpanExporter(spans) })],
  });
  return { tracer: provider.getTracer('test'), spans, provider };
}

let contextManagerInstalled = false;
/** Async context propagation (what the SDK registers), so active spans follow awaits. */
export function installContextManager(): void {
  if (contextManagerInstalled) return;
  contextManagerInstalled = true;
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  void trace;
}

/** A meter provider with the library's views, read as Prometheus text. */
export function inMemoryMetrics(): { provider: MeterProvider; text: () => Promise<string> } {
  const prometheus = new PrometheusExporter({ preventServerStart: true });
  const provider = new MeterProvider({ readers: [prometheus], views: telemetryViews() });
  const text = () =>
    new Promise<string>((resolve) => {
      prometheus.getMetricsRequestHandler(
        {} as never,
        { statusCode: 0, setHeader() {}, end: resolve } as never,
      );
    });
  return { provider, text };
}

export function collectingLogger(level: 'debug' | 'info' | 'warn' | 'error' = 'info') {
  const lines = new LineCollector();
  const logger = createLogger({
    service: 'test-svc',
    environment: 'test',
    version: 'abc123',
    level,
    destination: lines,
  });
  return { logger, lines };
}
