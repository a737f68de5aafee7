// An unexpected error reaches the error tracker as thrown — its class, its full stack, a fingerprint
// of type and frames, the request's context — wherever it is thrown: a Fastify route of a service
// app, a plain node:http handler wrapped by telemetry.handler(), and off-request work (runJob).
// Found in what the tracker emits: the JSON log line, the exception event on the span, the counter.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ProxyTracerProvider, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { startTelemetry, type Telemetry } from '@telemetry-kit/telemetry';
import { LineCollector } from '@telemetry-kit/telemetry/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServiceApp } from '../src/app.ts';
import { runJob } from '../src/background.ts';
import { HttpError } from '../src/errors.ts';
import { FaultInjector } from '../src/faults.ts';

const RELEASE = 'c0ffee1';
const CARD = '4111 1111 1111 1111';

class PaymentDeclinedError extends Error {
  override name = 'PaymentDeclinedError';
}
class InventoryMismatchError extends Error {
  override name = 'InventoryMismatchError';
}
class LedgerDriftError extends Error {
  override name = 'LedgerDriftError';
}

function chargeCard(orderId: string): never {
  throw new PaymentDeclinedError(`card ${CARD} declined for order ${orderId}`);
}
function askQuoteSource(): never {
  throw new HttpError(503, 'quote_source_unavailable', 'the quote source is unavailable');
}
async function countStock(sku: string): Promise<never> {
  await Promise.resolve();
  throw new InventoryMismatchError(`stock of ${sku} is negative`);
}
async function reconcileLedgers(): Promise<never> {
  await Promise.resolve();
  throw new LedgerDriftError(`ledger drifted; card ${CARD} on file`);
}

const lines = new LineCollector();
const spans = new InMemorySpanExporter();
let telemetry: Telemetry;
const servers: Server[] = [];

async function listen(server: Server): Promise<string> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function flushSpans(): Promise<ReadableSpan[]> {
  // The SDK's provider behind the API's proxy: the batch processor holds spans for a second otherwise.
  const provider = trace.getTracerProvider();
  const sdk = (provider instanceof ProxyTracerProvider ? provider.getDelegate() : provider) as unknown as {
    forceFlush(): Promise<void>;
  };
  await sdk.forceFlush();
  return spans.getFinishedSpans();
}

interface ErrorLine {
  level: string;
  version: string;
  err: { type: string; message: string; stack: string };
  error_report: Record<string, string | undefined>;
}

/** The tracker's log lines for one error class (the synthetic "answered 500" report would be another). */
function errorLines(type: string): ErrorLine[] {
  return (lines.records() as unknown as ErrorLine[]).filter(
    (record) => record.error_report !== undefined && record.err?.type === type,
  );
}

/** The exception events recorded in one trace, with the span each sits on. */
async function exceptionEvents(traceId: string | undefined) {
  return (await flushSpans())
    .filter((span) => span.spanContext().traceId === traceId)
    .flatMap((span) =>
      span.events.filter((event) => event.name === 'exception').map((event) => ({ span, event })),
    );
}

beforeAll(() => {
  telemetry = startTelemetry({
    serviceName: 'error-capture-test',
    serviceVersion: RELEASE,
    environment: 'test',
    runtimeMetrics: false,
    processHandlers: false,
    traceExporter: spans,
    logDestination: lines,
  });
});

afterAll(async () => {
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
});

describe('a route of a service app that throws', () => {
  let base: string;
  beforeAll(async () => {
    const app = createServiceApp({ telemetry, faults: new FaultInjector() });
    app.get('/orders/:id/pay', async (request) => {
      telemetry.setUser('user-42');
      chargeCard((request.params as { id: string }).id);
    });
    app.get('/quotes/today', async () => askQuoteSource());
    app.get('/orders/:id', async () => {
      throw new HttpError(404, 'order_not_found', 'no order with this id');
    });
    await app.ready();
    base = await listen(app.server);
  });

  it('answers a 500 without internals, and records the thrown error with its type, stack and context', async () => {
    const response = await fetch(`${base}/orders/ord-1/pay`, { headers: { 'x-request-id': 'req-pay-1' } });
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ error: { code: 'internal', message: 'internal error' } });

    const [line, ...more] = errorLines('PaymentDeclinedError');
    expect(more, 'one report per failure, not a second synthetic "answered 500"').toHaveLength(0);
    expect(line?.err.stack, 'the full stack, down to the throwing function').toMatch(
      /^PaymentDeclinedError: card \[REDACTED\] declined for order ord-1\n\s+at chargeCard /,
    );
    expect(lines.text(), 'the card number never leaves the process').not.toContain(CARD);
    expect(line?.version, 'the release on the log line').toBe(RELEASE);
    expect(line?.error_report).toMatchObject({
      error_type: 'PaymentDeclinedError',
      source: 'http',
      severity: 'error',
      request_id: 'req-pay-1',
      user_pseudo_id: telemetry.pseudonymize('user-42'),
      environment: 'test',
      release: RELEASE,
    });
    expect(line?.error_report.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(lines.records().some((r) => /answered 500/.test(String(r.msg ?? '')))).toBe(false);

    const [found, ...others] = await exceptionEvents(line?.error_report.trace_id);
    expect(others).toHaveLength(0);
    expect(found?.span.name, 'the event sits on the request span').toBe('GET /orders/:id/pay');
    expect(found?.span.resource.attributes['service.version']).toBe(RELEASE);
    expect(found?.event.attributes).toMatchObject({
      'exception.type': 'PaymentDeclinedError',
      'exception.message': 'card [REDACTED] declined for order ord-1',
      'app.error.fingerprint': line?.error_report.fingerprint,
      'app.error.source': 'http',
      'app.request_id': 'req-pay-1',
      'enduser.pseudo.id': telemetry.pseudonymize('user-42'),
    });
    expect(String(found?.event.attributes?.['exception.stacktrace'])).toContain('at chargeCard ');

    expect(await telemetry.metricsText()).toContain(
      `app_errors_total{fingerprint="${line?.error_report.fingerprint}",error_type="PaymentDeclinedError",severity="error"`,
    );
  });

  it('gives the same failure with another message the same fingerprint', async () => {
    await fetch(`${base}/orders/ord-2/pay`);
    await fetch(`${base}/orders/ord-3/pay`);
    const fingerprints = new Set(errorLines('PaymentDeclinedError').map((l) => l.error_report.fingerprint));
    expect(fingerprints.size).toBe(1);
  });

  it('records an HttpError a route answers 5xx with where it was thrown, not as "answered 503"', async () => {
    const response = await fetch(`${base}/quotes/today`);
    expect(response.status).toBe(503);
    const [line] = errorLines('HttpError');
    expect(line?.err.stack).toMatch(/^HttpError: the quote source is unavailable\n\s+at askQuoteSource /);
    expect(line?.error_report).toMatchObject({ error_type: 'HttpError', source: 'http' });
    expect(errorLines('HttpServerError')).toHaveLength(0);
  });

  it('records nothing for a client error', async () => {
    const before = lines.records().filter((r) => r.error_report !== undefined).length;
    expect((await fetch(`${base}/orders/ord-9`)).status).toBe(404);
    expect(lines.records().filter((r) => r.error_report !== undefined)).toHaveLength(before);
  });
});

describe('a plain node:http handler wrapped by telemetry.handler() that throws', () => {
  it('answers 500 and records the thrown error with its type, stack and context', async () => {
    const base = await listen(
      createServer(
        telemetry.handler(
          async () => {
            telemetry.setUser('user-7');
            await countStock('sku-9');
          },
          { route: () => '/stock/:sku' },
        ),
      ),
    );
    const response = await fetch(`${base}/stock/sku-9`, { headers: { 'x-request-id': 'req-stock-1' } });
    expect(response.status).toBe(500);

    const [line, ...more] = errorLines('InventoryMismatchError');
    expect(more).toHaveLength(0);
    expect(line?.err.stack).toMatch(/^InventoryMismatchError: stock of sku-9 is negative\n\s+at countStock /);
    expect(line?.error_report).toMatchObject({
      error_type: 'InventoryMismatchError',
      source: 'http',
      request_id: 'req-stock-1',
      user_pseudo_id: telemetry.pseudonymize('user-7'),
      environment: 'test',
      release: RELEASE,
    });

    const [found] = await exceptionEvents(line?.error_report.trace_id);
    expect(found?.span.name).toBe('GET /stock/:sku');
    expect(found?.event.attributes).toMatchObject({
      'exception.type': 'InventoryMismatchError',
      'app.error.fingerprint': line?.error_report.fingerprint,
      'app.request_id': 'req-stock-1',
    });
  });
});

describe('off-request work (runJob) that fails', () => {
  it('is recorded with its type, stack and its own trace, and does not reject', async () => {
    await expect(runJob(telemetry, 'reconcile ledgers', reconcileLedgers)).resolves.toBeUndefined();

    const [line, ...more] = errorLines('LedgerDriftError');
    expect(more).toHaveLength(0);
    expect(line?.err.stack).toMatch(
      /^LedgerDriftError: ledger drifted; card \[REDACTED\] on file\n\s+at reconcileLedgers /,
    );
    expect(line?.error_report).toMatchObject({
      error_type: 'LedgerDriftError',
      source: 'background',
      environment: 'test',
      release: RELEASE,
    });
    expect(line?.error_report.request_id).toBeUndefined();

    const [found] = await exceptionEvents(line?.error_report.trace_id);
    expect(found?.span.name).toBe('job reconcile ledgers');
    expect(found?.event.attributes).toMatchObject({
      'exception.type': 'LedgerDriftError',
      'app.error.fingerprint': line?.error_report.fingerprint,
      'app.error.source': 'background',
    });
  });

  it('gives each of the three failures its own fingerprint', () => {
    const fingerprints = ['PaymentDeclinedError', 'InventoryMismatchError', 'LedgerDriftError'].map(
      (type) => errorLines(type)[0]?.error_report.fingerprint,
    );
    for (const fingerprint of fingerprints) expect(fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(new Set(fingerprints).size).toBe(3);
  });
});
