import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { context, propagation, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type ErrorReport, ErrorTracker } from '../src/errors.ts';
import { Health } from '../src/health.ts';
import { type HandlerOptions, pickRequestId, wrapHandler } from '../src/http.ts';
import { collectingLogger, inMemoryMetrics, inMemoryTracing, installContextManager } from './helpers.ts';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function serve(app: RequestListener, options: HandlerOptions = {}) {
  const { logger, lines } = collectingLogger();
  const reports: ErrorReport[] = [];
  const errors = new ErrorTracker({ service: 's', environment: 'test', logger, counter: { add() {} } });
  errors.addSink((r) => reports.push(r));
  const health = new Health();
  const metricsHandler: RequestListener = (_req, res) => res.end('# metrics here\n');
  const server = createServer(wrapHandler({ health, errors, logger, metricsHandler }, app, options));
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { base, lines, reports, health };
}

describe('wrapHandler', () => {
  it('returns the caller’s x-request-id and puts it on the request’s log lines', async () => {
    const { logger, lines } = collectingLogger();
    const { base } = await serve(async (_req, res) => {
      await new Promise((r) => setTimeout(r, 1));
      logger.info('handling');
      res.end('ok');
    });
    const res = await fetch(`${base}/x`, { headers: { 'x-request-id': 'abc-123' } });
    expect(res.headers.get('x-request-id')).toBe('abc-123');
    expect(lines.records()).toEqual([expect.objectContaining({ msg: 'handling', request_id: 'abc-123' })]);
  });

  it('generates a request id when none (or an unsafe one) is sent', async () => {
    const { base } = await serve((_req, res) => res.end('ok'));
    const plain = await fetch(`${base}/x`);
    expect(plain.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const unsafe = await fetch(`${base}/x`, {
      headers: { 'x-request-id': 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig' },
    });
    expect(unsafe.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(pickRequestId('alice@example.com')).not.toBe('alice@example.com');
  });

  it('answers 500 with the request id when the handler throws or rejects, and reports the error once', async () => {
    const { base, reports } = await serve(async (req) => {
      if (req.url === '/sync') throw new Error('sync failure');
      await Promise.resolve();
      throw new TypeError('async failure');
    });
    const sync = await fetch(`${base}/sync`);
    expect(sync.status).toBe(500);
    expect(await sync.json()).toEqual({
      error: 'internal error',
      request_id: sync.headers.get('x-request-id'),
    });
    const asyncRes = await fetch(`${base}/async`, { headers: { 'x-request-id': 'r-2' } });
    expect(asyncRes.status).toBe(500);
    expect(reports.map((r) => [r.error_type, r.request_id, r.source])).toEqual([
      ['Error', sync.headers.get('x-request-id'), 'http'],
      ['TypeError', 'r-2', 'http'],
    ]);
  });

  it('reports a 5xx the handler answered itself, named by route', async () => {
    const { base, reports } = await serve(
      (_req, res) => {
        res.statusCode = 503;
        res.end('busy');
      },
      { route: () => '/orders/:id' },
    );
    await fetch(`${base}/orders/7`);
    await new Promise((r) => setTimeout(r, 10));
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({
      error_type: 'HttpServerError',
      message: 'GET /orders/:id answered 503',
    });
  });

  it('fingerprints such 5xx answers by method, route and status, not all as one', async () => {
    const { base, reports } = await serve(
      (req, res) => {
        res.statusCode = req.url?.startsWith('/orders') && req.url.endsWith('busy') ? 503 : 502;
        res.end();
      },
      { route: (req) => (req.url?.startsWith('/orders') ? '/orders/:id' : '/carts/:id') },
    );
    for (const path of ['/orders/1/busy', '/orders/2/busy', '/orders/3', '/carts/4'])
      await fetch(`${base}${path}`);
    await new Promise((r) => setTimeout(r, 10));
    const [busy1, busy2, failed, cart] = reports.map((r) => r.fingerprint);
    expect(busy2, 'same route and status').toBe(busy1);
    expect(new Set([busy1, failed, cart]).size, 'another status, another route').toBe(3);
  });

  it('serves /healthz, /readyz (503 while draining) and /metrics without calling the handler', async () => {
    let calls = 0;
    const { base, health } = await serve((_req, res) => {
      calls++;
      res.end();
    });
    expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ status: 'ok' });
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    expect(await (await fetch(`${base}/metrics`)).text()).toBe('# metrics here\n');
    health.startDraining();
    const draining = await fetch(`${base}/readyz`);
    expect(draining.status).toBe(503);
    expect(await draining.json()).toMatchObject({ ready: false, draining: true });
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect(calls).toBe(0);
  });

  it('writes an access line with route and status when asked', async () => {
    const { base, lines } = await serve((_req, res) => res.end('ok'), {
      accessLog: true,
      route: () => '/a/:b',
    });
    await fetch(`${base}/a/1`, { headers: { 'x-request-id': 'acc-1' } });
    await new Promise((r) => setTimeout(r, 10));
    expect(lines.records()).toContainEqual(
      expect.objectContaining({
        msg: 'request served',
        request_id: 'acc-1',
        http: expect.objectContaining({ route: '/a/:b', status: 200 }),
      }),
    );
  });
});

describe('wrapHandler server spans (TELEMETRY_HTTP_SERVER=handler, the default)', () => {
  beforeAll(() => {
    installContextManager();
    propagation.setGlobalPropagator(
      new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
    );
  });

  async function serveTraced(app: RequestListener, options: HandlerOptions = {}) {
    const { tracer, spans, provider } = inMemoryTracing();
    const metrics = inMemoryMetrics();
    const duration = metrics.provider.getMeter('t').createHistogram('http.server.request.duration');
    const { logger } = collectingLogger();
    const errors = new ErrorTracker({ service: 's', environment: 'test', logger, counter: { add() {} } });
    const listener = wrapHandler(
      { health: new Health(), errors, logger, metricsHandler: undefined, serverSpans: { tracer, duration } },
      app,
      options,
    );
    const server = createServer(listener);
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const finished = async () => {
      await new Promise((r) => setTimeout(r, 20));
      await provider.forceFlush();
      return spans.getFinishedSpans();
    };
    return { base, finished, metricsText: metrics.text, tracer };
  }

  it('starts one SERVER span per request, child of the caller’s traceparent, named by route', async () => {
    let inside: { traceId?: string; baggage?: string } = {};
    const { base, finished, tracer } = await serveTraced(
      (_req, res) => {
        // Work done in the handler is a child of the server span, and sees the caller's baggage.
        tracer.startActiveSpan('work', (work) => {
          inside = {
            traceId: work.spanContext().traceId,
            baggage: propagation.getBaggage(context.active())?.getEntry('tenant')?.value,
          };
          work.end();
        });
        res.end('ok');
      },
      { route: () => '/orders/:id' },
    );
    const res = await fetch(`${base}/orders/7?expand=items`, {
      method: 'POST',
      headers: {
        traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
        baggage: 'tenant=acme',
        'user-agent': 'probe/1.0',
      },
    });
    expect(res.status).toBe(200);
    const spans = await finished();
    const server = spans.find((s) => s.kind === SpanKind.SERVER);
    const work = spans.find((s) => s.name === 'work');
    expect(server).toBeDefined();
    expect(server?.name).toBe('POST /orders/:id');
    expect(server?.spanContext().traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(server?.parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
    expect(server?.attributes).toMatchObject({
      'http.request.method': 'POST',
      'http.route': '/orders/:id',
      'http.response.status_code': 200,
      'url.path': '/orders/7',
      'url.query': 'expand=items',
      'url.scheme': 'http',
      'server.address': '127.0.0.1',
      'network.protocol.version': '1.1',
      'user_agent.original': 'probe/1.0',
    });
    expect(server?.attributes['client.address']).toBeUndefined();
    expect(work?.parentSpanContext?.spanId).toBe(server?.spanContext().spanId);
    expect(inside).toEqual({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', baggage: 'acme' });
  });

  it('marks 5xx answers and thrown errors as errors, and records the duration by method, route and status', async () => {
    const { base, finished, metricsText } = await serveTraced(
      (req, res) => {
        if (req.url === '/boom') throw new Error('boom');
        res.statusCode = 404;
        res.end();
      },
      { route: (req) => (req.url === '/boom' ? '/boom' : '/missing') },
    );
    expect((await fetch(`${base}/boom`)).status).toBe(500);
    expect((await fetch(`${base}/missing`)).status).toBe(404);
    const spans = await finished();
    const boom = spans.find((s) => s.name === 'GET /boom');
    expect(boom?.status.code).toBe(SpanStatusCode.ERROR);
    expect(boom?.attributes['error.type']).toBe('500');
    expect(boom?.events.map((e) => e.name)).toContain('exception');
    expect(spans.find((s) => s.name === 'GET /missing')?.status.code).toBe(SpanStatusCode.UNSET);
    const text = await metricsText();
    expect(text).toMatch(
      /http_server_request_duration_seconds_count\{[^}]*http_request_method="GET",http_route="\/boom",http_response_status_code="500"[^}]*\} 1/,
    );
    expect(text).toMatch(
      /http_server_request_duration_seconds_count\{[^}]*http_route="\/missing",http_response_status_code="404"[^}]*\} 1/,
    );
  });

  it('traces no probe or scrape, and names unknown methods _OTHER', async () => {
    const { base, finished } = await serveTraced((_req, res) => res.end());
    await fetch(`${base}/healthz`);
    await fetch(`${base}/x`, { method: 'PURGE' });
    const spans = await finished();
    expect(spans.map((s) => [s.name, s.attributes['http.request.method_original']])).toEqual([
      ['HTTP', 'PURGE'],
    ]);
  });
});
