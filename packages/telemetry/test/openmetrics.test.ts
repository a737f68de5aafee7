import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Context, context, ROOT_CONTEXT, TraceFlags, trace } from '@opentelemetry/api';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { parseExposition } from '@telemetry-kit/testkit';
import { describe, expect, it } from 'vitest';
import { ExemplarStore, exemplarMeterProvider } from '../src/exemplars.ts';
import { PrometheusReader } from '../src/exporters.ts';
import {
  boundedHistogram,
  HTTP_DURATION_BUCKETS,
  histogramShape,
  METRIC_HTTP_CLIENT_DURATION,
  METRIC_HTTP_SERVER_DURATION,
  telemetryViews,
} from '../src/metrics.ts';
import { OPENMETRICS_CONTENT_TYPE } from '../src/openmetrics.ts';
import { installContextManager } from './helpers.ts';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN_ID = '00f067aa0ba902b7';

function spanContext(sampled: boolean, traceId = TRACE_ID, spanId = SPAN_ID): Context {
  return trace.setSpanContext(ROOT_CONTEXT, {
    traceId,
    spanId,
    traceFlags: sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
  });
}

/** The kit's metric pipeline (views, exemplar store, reader) with no SDK around it. */
function pipeline() {
  const exemplars = new ExemplarStore();
  const reader = new PrometheusReader(exemplars);
  const sdk = new MeterProvider({ readers: [reader], views: telemetryViews() });
  const meter = exemplarMeterProvider(sdk, exemplars, histogramShape).getMeter('test');
  return { reader, meter };
}

/** What /metrics answers to a request with this Accept header. */
function scrape(reader: PrometheusReader, accept?: string) {
  return new Promise<{ type: string; body: string }>((resolve) => {
    const headers: Record<string, string> = {};
    reader.handle(
      { headers: accept ? { accept } : {} } as IncomingMessage,
      {
        setHeader: (name: string, value: string) => {
          headers[name] = value;
        },
        end: (body: string) => resolve({ type: headers['content-type'] ?? '', body }),
      } as unknown as ServerResponse,
    );
  });
}

// What Prometheus 3 sends by default (scrape_protocols).
const PROMETHEUS_ACCEPT =
  'application/openmetrics-text;version=1.0.0;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=1.0.0;q=0.3,text/plain;version=0.0.4;q=0.2,*/*;q=0.1';

describe('/metrics in OpenMetrics', () => {
  it('answers OpenMetrics to a scraper that asks for it, the text format to one that does not', async () => {
    const { reader, meter } = pipeline();
    meter.createCounter('orders.placed').add(1);
    const openMetrics = await scrape(reader, PROMETHEUS_ACCEPT);
    expect(openMetrics.type).toBe(OPENMETRICS_CONTENT_TYPE);
    expect(openMetrics.body.endsWith('# EOF\n')).toBe(true);
    const text = await scrape(reader);
    expect(text.type).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(text.body).not.toContain('# EOF');
  });

  it('exposes the same series and values as the Prometheus text format', async () => {
    const { reader, meter } = pipeline();
    meter.createCounter('orders.placed', { description: 'Orders "placed"' }).add(3, { channel: 'web' });
    meter.createUpDownCounter('queue.depth').add(-2, { queue: 'audio' });
    meter.createGauge('pool.size').record(7);
    meter
      .createHistogram(METRIC_HTTP_SERVER_DURATION, { unit: 's' })
      .record(0.3, { 'http.request.method': 'GET', 'http.route': '/a', 'http.response.status_code': 200 });
    boundedHistogram(meter, 'ritual.audio.generation.duration', {
      description: 'Audio',
      unit: 's',
      labels: { outcome: ['success'] },
      buckets: [1, 5, 30],
    }).record(2, { outcome: 'success' });
    const sorted = (page: string) =>
      parseExposition(page)
        .map((s) => `${s.name}${JSON.stringify(Object.entries(s.labels).sort())} ${s.value}`)
        .sort();
    const openMetrics = sorted((await scrape(reader, PROMETHEUS_ACCEPT)).body);
    expect(openMetrics.length).toBeGreaterThan(20);
    expect(openMetrics).toEqual(sorted((await scrape(reader)).body));
  });

  it('names a counter family without _total and its samples with it, as OpenMetrics requires', async () => {
    const { reader, meter } = pipeline();
    meter.createCounter('orders.placed', { description: 'Orders "placed"\nin total' }).add(3);
    const { body } = await scrape(reader, PROMETHEUS_ACCEPT);
    expect(body).toContain('# TYPE orders_placed counter\n');
    expect(body).toContain('# HELP orders_placed Orders \\"placed\\"\\nin total\n');
    expect(body).toMatch(/^orders_placed_total\{otel_scope_name="test"\} 3$/m);
    expect(body).not.toMatch(/^# UNIT/m);
  });
});

describe('exemplars', () => {
  const serverAttributes = {
    'http.request.method': 'GET',
    'http.route': '/rituals/:id',
    'http.response.status_code': 200,
    // Dropped by the view, so not part of the series: the exemplar must still find its series.
    'url.full': 'http://x/rituals/1',
  };

  it('link the bucket a sampled measurement fell in to its trace', async () => {
    const { reader, meter } = pipeline();
    meter.createHistogram(METRIC_HTTP_SERVER_DURATION).record(0.3, serverAttributes, spanContext(true));
    const { body } = await scrape(reader, PROMETHEUS_ACCEPT);
    const withExemplar = body.split('\n').filter((line) => line.includes(' # {'));
    expect(withExemplar).toHaveLength(1);
    expect(withExemplar[0]).toMatch(
      new RegExp(
        `^http_server_request_duration_seconds_bucket\\{[^}]*le="0.5"\\} 1 # \\{trace_id="${TRACE_ID}",span_id="${SPAN_ID}"\\} 0.3 \\d+\\.\\d{3}$`,
      ),
    );
    expect(HTTP_DURATION_BUCKETS).toContain(0.5);
  });

  it('keep the latest measurement per bucket and series', async () => {
    const { reader, meter } = pipeline();
    const histogram = meter.createHistogram(METRIC_HTTP_CLIENT_DURATION);
    const attributes = { 'http.request.method': 'POST', 'server.address': 'rituals' };
    histogram.record(0.02, attributes, spanContext(true, 'a'.repeat(32)));
    histogram.record(0.021, attributes, spanContext(true, 'b'.repeat(32)));
    histogram.record(3, attributes, spanContext(true, 'c'.repeat(32)));
    const exemplars = (await scrape(reader, PROMETHEUS_ACCEPT)).body
      .split('\n')
      .filter((line) => line.includes(' # {'))
      .map((line) => /le="([^"]+)".*trace_id="([0-9a-f]+)"/.exec(line)?.slice(1));
    expect(exemplars).toEqual([
      ['0.025', 'b'.repeat(32)],
      ['5', 'c'.repeat(32)],
    ]);
  });

  it('come only from sampled spans, and never appear in the Prometheus text format', async () => {
    const { reader, meter } = pipeline();
    const histogram = meter.createHistogram(METRIC_HTTP_SERVER_DURATION);
    histogram.record(0.3, serverAttributes, spanContext(false));
    histogram.record(0.3, serverAttributes);
    expect((await scrape(reader, PROMETHEUS_ACCEPT)).body).not.toContain(' # {');
    histogram.record(0.3, serverAttributes, spanContext(true));
    expect((await scrape(reader, PROMETHEUS_ACCEPT)).body).toContain(' # {');
    expect((await scrape(reader)).body).not.toContain('trace_id');
  });

  it('sit on bounded histograms, which take the active span, in the +Inf bucket past the last bound', async () => {
    installContextManager();
    const { reader, meter } = pipeline();
    const audio = boundedHistogram(meter, 'ritual.audio.generation.duration', {
      description: 'Audio',
      labels: { outcome: ['success'] },
      buckets: [30, 1, 5],
    });
    context.with(spanContext(true), () => audio.record(45, { outcome: 'success' }));
    const lines = (await scrape(reader, PROMETHEUS_ACCEPT)).body.split('\n');
    expect(lines.filter((l) => l.includes(' # {'))).toEqual([
      expect.stringMatching(
        new RegExp(
          `^ritual_audio_generation_duration_bucket\\{[^}]*le="\\+Inf"\\} 1 # \\{trace_id="${TRACE_ID}"`,
        ),
      ),
    ]);
  });
});
