import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ExportResult } from '@opentelemetry/core';
import { ExportResultCode } from '@opentelemetry/core';
import { MetricReader } from '@opentelemetry/sdk-metrics';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import type { ExemplarStore } from './exemplars.ts';
import { acceptsOpenMetrics, OPENMETRICS_CONTENT_TYPE, serializeOpenMetrics } from './openmetrics.ts';

// Both exporters load their heavy dependencies (protobuf encoding, Prometheus serialisation) on first
// use rather than at start-up: a service answers its first request sooner, and a service that is
// never scraped or never exports pays nothing.

const EXPORT_TIMEOUT_MS = 5000;

/** OTLP/HTTP protobuf span exporter, configured from OTEL_EXPORTER_OTLP_* when first used. */
export class LazyOtlpTraceExporter implements SpanExporter {
  #inner: Promise<SpanExporter> | undefined;

  #load(): Promise<SpanExporter> {
    this.#inner ??= import('@opentelemetry/exporter-trace-otlp-proto').then(
      (m) =>
        new m.OTLPTraceExporter({
          // Give up on a batch (retries included) before the batch processor does (10 s): otherwise
          // timed-out batches keep retrying inside the exporter while new ones start, and memory
          // grows for as long as the endpoint is down. OTEL_EXPORTER_OTLP_*TIMEOUT still wins.
          ...(process.env.OTEL_EXPORTER_OTLP_TRACES_TIMEOUT || process.env.OTEL_EXPORTER_OTLP_TIMEOUT
            ? {}
            : { timeoutMillis: EXPORT_TIMEOUT_MS }),
          // One batch on the wire at a time (two while a timed-out one unwinds); more are dropped and
          // counted rather than queued in the exporter.
          concurrencyLimit: 2,
        }),
    );
    return this.#inner;
  }

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    this.#load().then(
      (inner) => inner.export(spans, resultCallback),
      (error: Error) => resultCallback({ code: ExportResultCode.FAILED, error }),
    );
  }

  async shutdown(): Promise<void> {
    if (this.#inner) await (await this.#inner).shutdown();
  }

  async forceFlush(): Promise<void> {
    if (this.#inner) await (await this.#inner).forceFlush?.();
  }
}

/**
 * A pull reader that renders /metrics on request: OpenMetrics with exemplars when the scraper asks for
 * it (Prometheus does), the Prometheus text format otherwise.
 */
export class PrometheusReader extends MetricReader {
  #serializer: Promise<{ serialize: (m: never) => string }> | undefined;
  readonly #exemplars: ExemplarStore | undefined;

  constructor(exemplars?: ExemplarStore) {
    super();
    this.#exemplars = exemplars;
  }

  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}

  async text(): Promise<string> {
    this.#serializer ??= import('@opentelemetry/exporter-prometheus').then(
      (m) => new m.PrometheusSerializer() as unknown as { serialize: (m: never) => string },
    );
    const [{ resourceMetrics }, serializer] = await Promise.all([this.collect(), this.#serializer]);
    return serializer.serialize(resourceMetrics as never);
  }

  async openMetricsText(): Promise<string> {
    const { resourceMetrics } = await this.collect();
    return serializeOpenMetrics(resourceMetrics, this.#exemplars);
  }

  handle(req: IncomingMessage, res: ServerResponse): void {
    const openMetrics = acceptsOpenMetrics(req.headers.accept);
    (openMetrics ? this.openMetricsText() : this.text()).then(
      (body) => {
        res.statusCode = 200;
        res.setHeader(
          'content-type',
          openMetrics ? OPENMETRICS_CONTENT_TYPE : 'text/plain; version=0.0.4; charset=utf-8',
        );
        res.end(body);
      },
      (error: Error) => {
        res.statusCode = 500;
        res.end(`# metrics collection failed: ${error.name}\n`);
      },
    );
  }
}
