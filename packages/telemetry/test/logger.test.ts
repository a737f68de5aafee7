import { context, trace } from '@opentelemetry/api';
import { beforeAll, describe, expect, it } from 'vitest';
import { requestContext } from '../src/context.ts';
import { collectingLogger, inMemoryTracing, installContextManager } from './helpers.ts';

beforeAll(installContextManager);

describe('logger', () => {
  it('writes one JSON line with service, environment, version and a string level', () => {
    const { logger, lines } = collectingLogger();
    logger.info({ items: 2 }, 'order received');
    expect(lines.records()).toEqual([
      expect.objectContaining({
        level: 'info',
        service: 'test-svc',
        environment: 'test',
        version: 'abc123',
        items: 2,
        msg: 'order received',
      }),
    ]);
  });

  it('adds trace_id and span_id of the active span, and the request id of the current request', () => {
    const { logger, lines } = collectingLogger();
    const { tracer } = inMemoryTracing();
    const span = tracer.startSpan('op');
    requestContext.run({ requestId: 'req-42', userPseudoId: 'p-1' }, () => {
      context.with(trace.setSpan(context.active(), span), () => logger.info('inside'));
    });
    span.end();
    const [line] = lines.records();
    expect(line).toMatchObject({
      trace_id: span.spanContext().traceId,
      span_id: span.spanContext().spanId,
      request_id: 'req-42',
      user_pseudo_id: 'p-1',
    });
  });

  it('carries no correlation fields outside a request and a span', () => {
    const { logger, lines } = collectingLogger();
    logger.info('startup');
    expect(lines.records()[0]).not.toHaveProperty('trace_id');
    expect(lines.records()[0]).not.toHaveProperty('request_id');
  });

  it('filters by level', () => {
    const { logger, lines } = collectingLogger('warn');
    logger.info('dropped');
    logger.debug('dropped too');
    logger.warn('kept');
    logger.error('kept too');
    expect(lines.records().map((r) => r.msg)).toEqual(['kept', 'kept too']);
  });

  it('serialises errors with type, message and stack', () => {
    const { logger, lines } = collectingLogger();
    logger.error(new RangeError('out of range'));
    expect(lines.records()[0]).toMatchObject({ err: { type: 'RangeError', message: 'out of range' } });
    expect(String((lines.records()[0]?.err as { stack?: string } | undefined)?.stack)).toContain(
      'RangeError: out of range',
    );
  });
});
