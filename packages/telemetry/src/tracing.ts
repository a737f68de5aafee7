import {
  type Counter,
  createNoopMeter,
  type Meter,
  type MeterProvider,
  type SpanStatus,
} from '@opentelemetry/api';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  type ReadableSpan,
  type Sampler,
  type SpanExporter,
  type SpanProcessor,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace';
import { redactAttributes, redactString } from './redact/redact.ts';

/**
 * A finished span with attributes, event names and attributes, link attributes and status message
 * redacted: the span itself when none of them holds anything to redact (most spans, and no copy to
 * allocate), else a copy.
 */
export function redactSpan(span: ReadableSpan): ReadableSpan {
  const name = redactString(span.name);
  const attributes = redactAttributes(span.attributes);
  const statusMessage = span.status.message === undefined ? undefined : redactString(span.status.message);
  let eventsChanged = false;
  const events = span.events.map((event) => {
    const eventName = redactString(event.name);
    const eventAttributes = event.attributes ? redactAttributes(event.attributes) : event.attributes;
    if (eventName === event.name && eventAttributes === event.attributes) return event;
    eventsChanged = true;
    return { ...event, name: eventName, attributes: eventAttributes };
  });
  let linksChanged = false;
  const links = span.links.map((link) => {
    const linkAttributes = link.attributes ? redactAttributes(link.attributes) : link.attributes;
    if (linkAttributes === link.attributes) return link;
    linksChanged = true;
    return { ...link, attributes: linkAttributes };
  });
  if (
    name === span.name &&
    attributes === span.attributes &&
    statusMessage === span.status.message &&
    !eventsChanged &&
    !linksChanged
  ) {
    return span;
  }
  const status: SpanStatus =
    statusMessage === undefined ? span.status : { ...span.status, message: statusMessage };
  return {
    name,
    kind: span.kind,
    spanContext: () => span.spanContext(),
    parentSpanContext: span.parentSpanContext,
    startTime: span.startTime,
    endTime: span.endTime,
    status,
    attributes,
    links,
    events,
    duration: span.duration,
    ended: span.ended,
    resource: span.resource,
    instrumentationScope: span.instrumentationScope,
    droppedAttributesCount: span.droppedAttributesCount,
    droppedEventsCount: span.droppedEventsCount,
    droppedLinksCount: span.droppedLinksCount,
  };
}

/**
 * Wraps the real exporter: spans are redacted on the export path (in the batch, off the request's hot
 * path), so no instrumentation — ours or a library's — can ship a secret in an attribute or exception.
 */
export class RedactingSpanExporter implements SpanExporter {
  readonly #inner: SpanExporter;
  readonly #onResult: ((delivered: boolean) => void) | undefined;
  /** `onResult` hears whether each batch was delivered (the shutdown flush waits less for a dead endpoint). */
  constructor(inner: SpanExporter, onResult?: (delivered: boolean) => void) {
    this.#inner = inner;
    this.#onResult = onResult;
  }
  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    this.#inner.export(spans.map(redactSpan), (result) => {
      this.#onResult?.(result.code === ExportResultCode.SUCCESS);
      resultCallback(result);
    });
  }
  shutdown(): Promise<void> {
    return this.#inner.shutdown();
  }
  forceFlush(): Promise<void> {
    return this.#inner.forceFlush?.() ?? Promise.resolve();
  }
}

const SPAN_PROCESSED = 'otel.sdk.processor.span.processed';

/**
 * The batch processor reports, per the SDK self-observability semantic conventions, every span it
 * finished with an `error.type` (queue full, export failed or timed out). This meter provider hands the
 * processor a meter that turns exactly those into `telemetry_export_dropped_total{signal="traces"}`;
 * every other self-metric is a no-op.
 */
export function droppedSpansMeterProvider(dropped: Counter): MeterProvider {
  const noop = createNoopMeter();
  const meter: Meter = Object.create(noop) as Meter;
  meter.createCounter = (name, options) => {
    if (name !== SPAN_PROCESSED) return noop.createCounter(name, options);
    return {
      add(value, attributes) {
        if (attributes?.['error.type'] !== undefined) dropped.add(value, { signal: 'traces' });
      },
    };
  };
  return { getMeter: () => meter };
}

export interface BatchTuning {
  /** Spans held while the exporter is busy or down; beyond it spans are dropped (and counted). */
  maxQueueSize?: number;
  maxExportBatchSize?: number;
  scheduledDelayMillis?: number;
  exportTimeoutMillis?: number;
}

export const DEFAULT_BATCH: Required<BatchTuning> = {
  maxQueueSize: 2048,
  maxExportBatchSize: 512,
  scheduledDelayMillis: 1000,
  exportTimeoutMillis: 10_000,
};

/** Redacting, bounded, drop-counting batch export of spans. */
export function createSpanProcessor(
  exporter: SpanExporter,
  dropped: Counter,
  tuning: BatchTuning = {},
  onResult?: (delivered: boolean) => void,
): SpanProcessor {
  return new BatchSpanProcessor({
    exporter: new RedactingSpanExporter(exporter, onResult),
    ...DEFAULT_BATCH,
    ...tuning,
    selfObsMeterProvider: droppedSpansMeterProvider(dropped),
  });
}

/** Parent-based ratio sampling: follow the caller's decision, sample new traces at `ratio`. */
export function createSampler(ratio: number): Sampler {
  return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) });
}

/**
 * The sampler named by OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG (OTel spec values), or
 * parent-based ratio sampling at `defaultRatio` when none is named.
 */
export function samplerFromEnv(
  defaultRatio: number | undefined,
  env: Record<string, string | undefined> = process.env,
): Sampler {
  const name = env.OTEL_TRACES_SAMPLER?.trim().toLowerCase();
  const arg = Number(env.OTEL_TRACES_SAMPLER_ARG ?? 1);
  const ratio = Number.isFinite(arg) && arg >= 0 && arg <= 1 ? arg : 1;
  switch (name) {
    case undefined:
    case '':
      return createSampler(defaultRatio ?? 1);
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(ratio);
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return createSampler(ratio);
    default:
      throw new Error(
        `OTEL_TRACES_SAMPLER="${name}" is not supported — use always_on, always_off, traceidratio or parentbased_*`,
      );
  }
}
