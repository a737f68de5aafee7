import { type Counter, context, propagation, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { ExportResultCode, W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  InMemorySpanExporter,
  type ReadableSpan,
  SamplingDecision,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { describe, expect, it } from 'vitest';
import { createSampler, createSpanProcessor, redactSpan } from '../src/tracing.ts';

/** An exporter we can switch between down (fails every export) and up. */
class FlakyExporter extends InMemorySpanExporter {
  down = true;
  override export(spans: ReadableSpan[], done: (r: { code: ExportResultCode; error?: Error }) => void): void {
    if (this.down) {
      done({ code: ExportResultCode.FAILED, error: new Error('ECONNREFUSED') });
      return;
    }
    super.export(spans, done);
  }
}

function droppedCounter(): Counter & { total: number } {
  const counter = {
    total: 0,
    add(value: number, attributes?: Record<string, unknown>) {
      expect(attributes).toEqual({ signal: 'traces' });
      counter.total += value;
    },
  };
  return counter;
}

describe('span export under failure', () => {
  it('counts spans lost to a failing exporter in telemetry_export_dropped_total, then resumes by itself', async () => {
    const exporter = new FlakyExporter();
    const dropped = droppedCounter();
    const processor = createSpanProcessor(exporter, dropped, { scheduledDelayMillis: 5 });
    const tracer = new TracerProvider({ spanProcessors: [processor] }).getTracer('t');

    for (let i = 0; i < 10; i++) tracer.startSpan(`down-${i}`).end();
    await processor.forceFlush().catch(() => {});
    expect(dropped.total).toBe(10);

    exporter.down = false;
    for (let i = 0; i < 3; i++) tracer.startSpan(`up-${i}`).end();
    await processor.forceFlush();
    expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual(['up-0', 'up-1', 'up-2']);
    expect(dropped.total).toBe(10);
  });

  it('tells whether each batch reached the exporter, failing then delivered', async () => {
    const exporter = new FlakyExporter();
    const heard: boolean[] = [];
    const processor = createSpanProcessor(exporter, droppedCounter(), { scheduledDelayMillis: 5 }, (ok) =>
      heard.push(ok),
    );
    const tracer = new TracerProvider({ spanProcessors: [processor] }).getTracer('t');
    tracer.startSpan('down').end();
    await processor.forceFlush().catch(() => {});
    exporter.down = false;
    tracer.startSpan('up').end();
    await processor.forceFlush();
    expect(heard).toEqual([false, true]);
  });

  it('holds at most maxQueueSize spans while the exporter is stuck, counting the overflow', async () => {
    const pending: (() => void)[] = [];
    let stuckNow = true;
    const stuck = new InMemorySpanExporter();
    const originalExport = stuck.export.bind(stuck);
    stuck.export = (spans, done) => {
      if (stuckNow) pending.push(() => originalExport(spans, done));
      else originalExport(spans, done);
    };
    const dropped = droppedCounter();
    const processor = createSpanProcessor(stuck, dropped, {
      maxQueueSize: 20,
      maxExportBatchSize: 10,
      scheduledDelayMillis: 1,
      exportTimeoutMillis: 60_000,
    });
    const tracer = new TracerProvider({ spanProcessors: [processor] }).getTracer('t');
    for (let i = 0; i < 10; i++) tracer.startSpan(`first-${i}`).end(); // a full batch: export starts and hangs
    for (let i = 0; i < 100; i++) tracer.startSpan(`more-${i}`).end();
    expect(dropped.total).toBe(80);
    stuckNow = false;
    for (const release of pending) release();
    await processor.forceFlush();
    // The batch that was in flight (10) plus what the bounded queue held (20); the rest was dropped.
    expect(stuck.getFinishedSpans()).toHaveLength(30);
  });

  it('redacts spans on the way out', async () => {
    const exporter = new InMemorySpanExporter();
    const processor = createSpanProcessor(exporter, droppedCounter(), { scheduledDelayMillis: 1 });
    const tracer = new TracerProvider({ spanProcessors: [processor] }).getTracer('t');
    tracer
      .startSpan('GET', {
        attributes: { 'url.full': 'https://x.test/?token=abcdef123', 'user.email': 'a@b.co' },
      })
      .end();
    await processor.forceFlush();
    expect(exporter.getFinishedSpans()[0]?.attributes).toEqual({
      'url.full': 'https://x.test/?token=[REDACTED]',
      'user.email': '[REDACTED]',
    });
  });
});

describe('redactSpan', () => {
  it('hands clean spans through as they are and copies only spans it changes', () => {
    const tracer = new TracerProvider().getTracer('t');
    const clean = tracer.startSpan('GET /orders', { attributes: { 'http.route': '/orders' } });
    clean.addEvent('cache miss', { key: 'orders' });
    clean.end();
    const dirty = tracer.startSpan('GET /orders', { attributes: { 'http.route': '/orders' } });
    dirty.addEvent('login', { 'user.email': 'alice@example.com' });
    dirty.setStatus({ code: 2, message: 'declined for alice@example.com' });
    dirty.end();
    const cleanSpan = clean as unknown as ReadableSpan;
    const dirtySpan = dirty as unknown as ReadableSpan;
    expect(redactSpan(cleanSpan)).toBe(cleanSpan);
    const redacted = redactSpan(dirtySpan);
    expect(redacted).not.toBe(dirtySpan);
    expect(redacted.events[0]?.attributes).toEqual({ 'user.email': '[REDACTED]' });
    expect(redacted.status.message).toBe('declined for [REDACTED]');
    expect(redacted.attributes).toBe(dirtySpan.attributes);
    expect(redacted.spanContext().spanId).toBe(dirtySpan.spanContext().spanId);
    // The original is untouched: other processors may still read it.
    expect(dirtySpan.events[0]?.attributes).toEqual({ 'user.email': 'alice@example.com' });
  });
});

describe('sampling and propagation', () => {
  const traceIdOf = (n: number) => n.toString(16).padStart(32, '0');

  it('samples new traces at the ratio and follows the parent decision otherwise', () => {
    const sampler = createSampler(0);
    const root = sampler.shouldSample(ROOT_CONTEXT, traceIdOf(1), 'op', 0, {}, []);
    expect(root.decision).toBe(SamplingDecision.NOT_RECORD);
    const sampledParent = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: traceIdOf(2),
      spanId: '00000000000000aa',
      traceFlags: 1,
      isRemote: true,
    });
    expect(sampler.shouldSample(sampledParent, traceIdOf(2), 'op', 0, {}, []).decision).toBe(
      SamplingDecision.RECORD_AND_SAMPLED,
    );
    expect(createSampler(1).shouldSample(ROOT_CONTEXT, traceIdOf(3), 'op', 0, {}, []).decision).toBe(
      SamplingDecision.RECORD_AND_SAMPLED,
    );
  });

  it('reads a W3C traceparent into the parent span context', () => {
    const carrier = { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' };
    const extracted = new W3CTraceContextPropagator().extract(ROOT_CONTEXT, carrier, {
      get: (c, k) => c[k as keyof typeof c],
      keys: (c) => Object.keys(c),
    });
    expect(trace.getSpanContext(extracted)?.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    void context;
    void propagation;
  });
});
