// The OpenTelemetry diagnostics reach the JSON log, redacted and rate-limited: a dropped label value
// once, a failing exporter once per window — through the real API, label guard and batch processor.
import { diag } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { type SpanExporter, TracerProvider } from '@opentelemetry/sdk-trace';
import { afterEach, describe, expect, it } from 'vitest';
import { routeDiagnostics } from '../src/diagnostics.ts';
import { boundedCounter } from '../src/metrics.ts';
import { createSpanProcessor } from '../src/tracing.ts';
import { collectingLogger } from './helpers.ts';

afterEach(() => diag.disable());

const diagnosticLines = (records: Record<string, unknown>[]) =>
  records.filter((r) => r.component === 'opentelemetry');

describe('OpenTelemetry diagnostics in the JSON log', () => {
  it('writes exactly one warning line for a label value dropped many times, without the value', () => {
    const { logger, lines } = collectingLogger();
    routeDiagnostics(logger);
    const outcomes = boundedCounter(new MeterProvider().getMeter('test'), 'rituals.generated', {
      description: 'Rituals generated',
      labels: { outcome: ['success', 'llm_error'] },
      onInvalid: 'drop',
    });
    for (let i = 0; i < 5; i++) outcomes.add(1, { outcome: 'alice@example.com' as 'success' });

    const warnings = diagnosticLines(lines.records());
    expect(warnings, lines.text()).toHaveLength(1);
    expect(warnings[0]).toMatchObject({
      level: 'warn',
      service: 'test-svc',
      msg: 'label outcome of rituals.generated must be one of success, llm_error; the point was dropped',
    });
    expect(lines.text()).not.toContain('alice@example.com');
  });

  it('logs a failing exporter once per window, then once more with the count held back', async () => {
    let clock = 0;
    const { logger, lines } = collectingLogger();
    routeDiagnostics(logger, { windowMs: 60_000, now: () => clock });
    let attempts = 0;
    const refusing: SpanExporter = {
      export: (_spans, done) => {
        attempts++;
        done({ code: ExportResultCode.FAILED, error: new Error('connect ECONNREFUSED 127.0.0.1:4318') });
      },
      shutdown: async () => {},
    };
    const processor = createSpanProcessor(refusing, { add: () => {} }, { maxExportBatchSize: 1 });
    const tracer = new TracerProvider({ spanProcessors: [processor] }).getTracer('test');
    const exportOne = async () => {
      tracer.startSpan('work').end();
      await processor.forceFlush().catch(() => {});
      // globalErrorHandler runs after the failed batch settles.
      await new Promise((r) => setTimeout(r, 5));
    };

    for (let i = 0; i < 4; i++) await exportOne();
    const inFirstWindow = diagnosticLines(lines.records());
    expect(attempts).toBeGreaterThanOrEqual(4);
    expect(inFirstWindow, lines.text()).toHaveLength(1);
    expect(inFirstWindow[0]).toMatchObject({ level: 'error' });
    expect(String(inFirstWindow[0]?.msg)).toContain('ECONNREFUSED');

    clock += 60_000;
    await exportOne();
    const all = diagnosticLines(lines.records());
    expect(all).toHaveLength(2);
    expect(all[1]?.suppressed, 'the failures held back in the first window').toBeGreaterThanOrEqual(3);
  });

  it('redacts what the SDK says, as every log line is', () => {
    const { logger, lines } = collectingLogger();
    routeDiagnostics(logger);
    diag.warn('export to https://user:hunter2@collector.example/v1/traces failed', {
      headers: { authorization: 'Bearer abc.def.ghi' },
    });
    expect(lines.text()).not.toContain('hunter2');
    expect(lines.text()).not.toContain('abc.def.ghi');
    expect(diagnosticLines(lines.records())).toHaveLength(1);
  });

  it('leaves info and debug diagnostics out (warn level)', () => {
    const { logger, lines } = collectingLogger('debug');
    routeDiagnostics(logger);
    diag.info('instrumentation enabled');
    diag.debug('batch exported');
    expect(diagnosticLines(lines.records())).toEqual([]);
  });
});
