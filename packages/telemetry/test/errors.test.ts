import { context, trace } from '@opentelemetry/api';
import { beforeAll, describe, expect, it } from 'vitest';
import { requestContext } from '../src/context.ts';
import { type ErrorReport, ErrorTracker, errorType, fingerprint } from '../src/errors.ts';
import { METRIC_APP_ERRORS } from '../src/metrics.ts';
import { collectingLogger, inMemoryMetrics, inMemoryTracing, installContextManager } from './helpers.ts';

beforeAll(installContextManager);

function errorWithStack(name: string, message: string, frames: string[]): Error {
  const error = new Error(message);
  error.name = name;
  error.stack = [`${name}: ${message}`, ...frames.map((f) => `    at ${f}`)].join('\n');
  return error;
}

describe('fingerprint', () => {
  const appFrames = ['chargeCard (/srv/app/src/payments.ts:40:11)', 'handle (/srv/app/src/routes.ts:12:3)'];

  it('ignores the message and line numbers', () => {
    const a = errorWithStack('PaymentError', 'declined for order 1', appFrames);
    const b = errorWithStack('PaymentError', 'declined for order 2', [
      'chargeCard (/srv/app/src/payments.ts:97:5)',
      'handle (/srv/app/src/routes.ts:30:9)',
    ]);
    expect(fingerprint(a, '/srv/app')).toBe(fingerprint(b, '/srv/app'));
  });

  it('ignores node_modules and node internals frames', () => {
    const a = errorWithStack('PaymentError', 'x', [
      'Parser.parse (/srv/app/node_modules/lib/index.js:1:1)',
      'processTicksAndRejections (node:internal/process/task_queues:95:5)',
      ...appFrames,
    ]);
    const b = errorWithStack('PaymentError', 'x', [
      'Parser.parse (/srv/app/node_modules/lib/index.js:900:7)',
      ...appFrames,
    ]);
    expect(fingerprint(a, '/srv/app')).toBe(fingerprint(b, '/srv/app'));
  });

  it("ignores this package's own frames, from its sources or its bundle", () => {
    const own = new URL('../src/http.ts', import.meta.url).pathname;
    const bundle = new URL('../dist/chunk-ABC123.mjs', import.meta.url).pathname;
    const a = errorWithStack('PaymentError', 'x', [...appFrames, `wrapHandler (${own}:120:9)`]);
    const b = errorWithStack('PaymentError', 'x', [`fail (file://${bundle}:3:1)`, ...appFrames]);
    expect(fingerprint(a, '/srv/app')).toBe(
      fingerprint(errorWithStack('PaymentError', 'x', appFrames), '/srv/app'),
    );
    expect(fingerprint(b, '/srv/app')).toBe(fingerprint(a, '/srv/app'));
  });

  it('names a dependency frame from its package on, wherever npm installed it', () => {
    const inDriver = (root: string, line: number) =>
      errorWithStack('DatabaseError', 'x', [
        `Parser.parseErrorMessage (${root}/node_modules/pg-protocol/dist/parser.js:${line}:98)`,
        `Socket.<anonymous> (${root}/node_modules/pg/lib/connection.js:117:22)`,
      ]);
    expect(fingerprint(inDriver('/app', 283), '/app/services/gateway')).toBe(
      fingerprint(inDriver('/app/services/gateway', 290), '/app/services/gateway'),
    );
  });

  it('skips frames that name no file', () => {
    const plain = errorWithStack('PaymentError', 'x', appFrames);
    const awaited = errorWithStack('PaymentError', 'x', [
      'Array.map (<anonymous>)',
      appFrames[0] as string,
      'async Promise.all (index 0)',
      appFrames[1] as string,
    ]);
    expect(fingerprint(awaited, '/srv/app')).toBe(fingerprint(plain, '/srv/app'));
  });

  it('differs by error type and by application frame', () => {
    const base = fingerprint(errorWithStack('PaymentError', 'x', appFrames), '/srv/app');
    expect(fingerprint(errorWithStack('TimeoutError', 'x', appFrames), '/srv/app')).not.toBe(base);
    expect(
      fingerprint(
        errorWithStack('PaymentError', 'x', ['refund (/srv/app/src/payments.ts:40:11)']),
        '/srv/app',
      ),
    ).not.toBe(base);
  });

  it('uses a class name as error type, never free text', () => {
    const e = new Error('x');
    e.name = 'alice@example.com';
    expect(errorType(e)).toBe('Error');
    expect(errorType(new RangeError('x'))).toBe('RangeError');
  });
});

describe('ErrorTracker', () => {
  it('records a report with fingerprint, request id, pseudonymous user, trace ids; logs it; counts it; marks the span', async () => {
    const { logger, lines } = collectingLogger();
    const metrics = inMemoryMetrics();
    const reports: ErrorReport[] = [];
    const tracker = new ErrorTracker({
      service: 'svc',
      environment: 'test',
      logger,
      counter: metrics.provider.getMeter('t').createCounter(METRIC_APP_ERRORS),
      sinks: [(r) => reports.push(r)],
    });
    const { tracer, spans, provider } = inMemoryTracing();
    const span = tracer.startSpan('op');
    requestContext.run({ requestId: 'req-1', userPseudoId: 'pseudo-9' }, () =>
      context.with(trace.setSpan(context.active(), span), () =>
        tracker.capture(new TypeError('card 4111 1111 1111 1111 failed'), {
          severity: 'critical',
          source: 'manual',
        }),
      ),
    );
    span.end();
    await provider.forceFlush();

    const [report] = reports;
    expect(report).toMatchObject({
      error_type: 'TypeError',
      severity: 'critical',
      request_id: 'req-1',
      user_pseudo_id: 'pseudo-9',
      environment: 'test',
      trace_id: span.spanContext().traceId,
      message: 'card [REDACTED] failed',
    });
    expect(report?.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(report?.stack).toContain('TypeError: card [REDACTED] failed');

    expect(lines.records()[0]).toMatchObject({
      level: 'fatal',
      error_report: { fingerprint: report?.fingerprint },
    });

    const text = await metrics.text();
    expect(text).toContain(
      `app_errors_total{fingerprint="${report?.fingerprint}",error_type="TypeError",severity="critical"`,
    );

    const [exported] = spans.getFinishedSpans();
    expect(exported?.status.code).toBe(2);
    expect(exported?.events.map((e) => e.name)).toContain('exception');
  });

  it('counts the same failure twice under one fingerprint', async () => {
    const { logger } = collectingLogger();
    const metrics = inMemoryMetrics();
    const tracker = new ErrorTracker({
      service: 'svc',
      environment: 'test',
      logger,
      counter: metrics.provider.getMeter('t').createCounter(METRIC_APP_ERRORS),
    });
    const fail = (id: number) => new Error(`order ${id} failed`);
    const first = tracker.capture(fail(1));
    const second = tracker.capture(fail(2));
    expect(second.fingerprint).toBe(first.fingerprint);
    expect(await metrics.text()).toMatch(
      new RegExp(`app_errors_total\\{fingerprint="${first.fingerprint}"[^}]*\\} 2`),
    );
  });

  it('turns thrown non-errors into reports', () => {
    const { logger } = collectingLogger();
    const tracker = new ErrorTracker({ service: 's', environment: 't', logger, counter: { add() {} } });
    expect(tracker.capture('plain string').error_type).toBe('NonErrorThrown');
  });
});
