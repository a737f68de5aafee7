import { SpanStatusCode } from '@opentelemetry/api';
import { afterAll, describe, expect, it } from 'vitest';
import { type ErrorReport, ErrorTracker } from '../src/errors.ts';
import {
  boundedCounter,
  LabelValueError,
  METRIC_APP_ERRORS,
  METRIC_HTTP_SERVER_DURATION,
} from '../src/metrics.ts';
import { findLeaks, LEAK_CORPUS, type Leak, sampleAsText } from '../src/testing/corpus.ts';
import { collectingLogger, inMemoryMetrics, inMemoryTracing } from './helpers.ts';

const describeLeaks = (leaks: Leak[]) =>
  leaks.map((l) => `${l.sink}: sample ${l.sample} leaked "${l.needle}"`).join('\n');

describe('the adversarial corpus', () => {
  it('has at least 200 samples, by value and by key, in every kind of carrier', () => {
    expect(LEAK_CORPUS.length).toBeGreaterThanOrEqual(200);
    const carriers = new Set(LEAK_CORPUS.map((s) => s.id.split('/')[1]));
    for (const where of [
      'nested-object',
      'array',
      'error-message',
      'error-cause',
      'url-query',
      'header',
      'unicode',
    ]) {
      expect(carriers, `no sample hides a secret in ${where}`).toContain(where);
    }
    expect(LEAK_CORPUS.some((s) => !s.byValue)).toBe(true);
  });

  it('is not vacuous: every needle is present in its raw sample', () => {
    const raw = LEAK_CORPUS.map((s) => {
      const text =
        s.value instanceof Error
          ? `${s.value.message} ${String(s.value.cause)} ${JSON.stringify(s.value)}`
          : '';
      return {
        sample: s,
        text: `${text} ${typeof s.value === 'string' ? s.value : JSON.stringify(s.value)}`,
      };
    });
    const missing = raw.filter(({ sample, text }) => !sample.needles.some((n) => text.includes(n)));
    expect(missing.map((m) => m.sample.id)).toEqual([]);
  });
});

describe('zero leaks in every sink', () => {
  it('log lines: as merging object, as message, as printf argument, as error, in child bindings', () => {
    const { logger, lines } = collectingLogger('debug');
    for (const sample of LEAK_CORPUS) {
      logger.info({ sample: sample.value }, 'sample as field');
      if (typeof sample.value === 'string') {
        logger.warn(sample.value);
        logger.info('printf %s and %o', sample.value, { v: sample.value });
      }
      if (sample.value instanceof Error) logger.error(sample.value);
      else logger.child({ ctx: sample.value }).debug('child');
    }
    expect(lines.lines.length).toBeGreaterThan(LEAK_CORPUS.length);
    const leaks = findLeaks('logs', lines.text());
    expect(leaks, describeLeaks(leaks)).toEqual([]);
  });

  it('span attributes, span events, exceptions, status messages and span names', async () => {
    const { tracer, spans, provider } = inMemoryTracing();
    for (const sample of LEAK_CORPUS) {
      const text = sampleAsText(sample);
      const span = tracer.startSpan(`op ${text}`, {
        attributes: { 'app.payload': text, 'app.list': [text, 'x'] },
      });
      if (!sample.byValue && typeof sample.value === 'object' && sample.value !== null) {
        // A key-identified secret set as an attribute under its own key (e.g. app.password).
        for (const [key, value] of Object.entries(sample.value)) {
          if (typeof value === 'string') span.setAttribute(`app.${key}`, value);
        }
      }
      span.addEvent('note', { detail: text });
      span.recordException(sample.value instanceof Error ? sample.value : new Error(text));
      span.setStatus({ code: SpanStatusCode.ERROR, message: text });
      span.end();
    }
    await provider.forceFlush();
    const exported = spans.getFinishedSpans();
    expect(exported).toHaveLength(LEAK_CORPUS.length);
    const output = JSON.stringify(
      exported.map((s) => ({ name: s.name, attributes: s.attributes, events: s.events, status: s.status })),
    );
    const leaks = findLeaks('spans', output);
    expect(leaks, describeLeaks(leaks)).toEqual([]);
  });

  it('error reports: the report, its log line and its metric labels', async () => {
    const { logger, lines } = collectingLogger();
    const metrics = inMemoryMetrics();
    const counter = metrics.provider.getMeter('test').createCounter(METRIC_APP_ERRORS);
    const reports: ErrorReport[] = [];
    const tracker = new ErrorTracker({
      service: 'test-svc',
      environment: 'test',
      logger,
      counter,
      sinks: [(r) => reports.push(r)],
    });
    for (const sample of LEAK_CORPUS) {
      tracker.capture(sample.value instanceof Error ? sample.value : sampleAsText(sample));
      const named = new Error('named');
      named.name = sampleAsText(sample).slice(0, 60);
      tracker.capture(named);
    }
    expect(reports).toHaveLength(LEAK_CORPUS.length * 2);
    const leaks = [
      ...findLeaks('error reports', JSON.stringify(reports)),
      ...findLeaks('error log lines', lines.text()),
      ...findLeaks('app_errors_total labels', await metrics.text()),
    ];
    expect(leaks, describeLeaks(leaks)).toEqual([]);
  });

  it('metric labels: the HTTP views redact, the bounded helpers refuse', async () => {
    const metrics = inMemoryMetrics();
    const meter = metrics.provider.getMeter('test');
    const duration = meter.createHistogram(METRIC_HTTP_SERVER_DURATION, { unit: 's' });
    const outcomes = boundedCounter(meter, 'test.outcomes', {
      description: 'test',
      labels: { outcome: ['success', 'failure'] },
    });
    let refused = 0;
    for (const sample of LEAK_CORPUS) {
      const text = sampleAsText(sample);
      duration.record(0.1, {
        'http.request.method': 'GET',
        'http.route': text,
        'http.response.status_code': 200,
      });
      try {
        outcomes.add(1, { outcome: text as 'success' });
      } catch (error) {
        expect(error).toBeInstanceOf(LabelValueError);
        expect(findLeaks('label error message', String(error))).toEqual([]);
        refused++;
      }
    }
    expect(refused).toBe(LEAK_CORPUS.length);
    const text = await metrics.text();
    expect(text).toContain('http_server_request_duration_seconds_bucket');
    const leaks = findLeaks('metrics', text);
    expect(leaks, describeLeaks(leaks)).toEqual([]);
  });
});

afterAll(() => {});
