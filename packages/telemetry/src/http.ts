import { randomUUID } from 'node:crypto';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import {
  type Context,
  context,
  type Histogram,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  TraceFlags,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import { getRPCMetadata, RPCType } from '@opentelemetry/core';
import type { Logger } from 'pino';
import { type RequestContext, requestContext } from './context.ts';
import type { ErrorTracker } from './errors.ts';
import type { Health } from './health.ts';
import { redactString } from './redact/redact.ts';

export const BUILTIN_PATHS = ['/metrics', '/healthz', '/readyz'] as const;

const REQUEST_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/** The caller's x-request-id when it is a plain id (and not a secret in disguise), else a fresh UUID. */
export function pickRequestId(header: string | string[] | undefined): string {
  const candidate = Array.isArray(header) ? header[0] : header;
  if (candidate !== undefined && REQUEST_ID.test(candidate) && redactString(candidate) === candidate) {
    return candidate;
  }
  return randomUUID();
}

/**
 * Names the route template of the request being served ("/orders/:id"): it becomes the server span's
 * name and the `http_route` label of http_server_request_duration_seconds. Call it from a router or a
 * framework hook; never pass the raw path (unbounded).
 */
export function setHttpRoute(route: string, method?: string): void {
  const active = context.active();
  const rpcMetadata = getRPCMetadata(active);
  if (rpcMetadata?.type === RPCType.HTTP) rpcMetadata.route = route;
  const span = trace.getSpan(active);
  if (span) {
    span.setAttribute('http.route', route);
    if (method) span.updateName(`${method} ${route}`);
  }
  const request = requestContext.getStore();
  if (request) request.route = route;
}

const KNOWN_METHODS = new Set([
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'DELETE',
  'CONNECT',
  'OPTIONS',
  'TRACE',
  'PATCH',
  'QUERY',
]);

/**
 * A 5xx the handler answered without throwing. Its stack holds only this library's frames, so its
 * fingerprint is told apart by method, route template and status (each from a bounded set).
 */
export class HttpServerError extends Error {
  override name = 'HttpServerError';
  readonly fingerprintIdentity: string;

  constructor(method: string | undefined, route: string | undefined, status: number) {
    super(`${method ?? 'GET'} ${route ?? '(unrouted)'} answered ${status}`);
    const known = KNOWN_METHODS.has(method ?? 'GET') ? (method ?? 'GET') : '_OTHER';
    this.fingerprintIdentity = `${known} ${route ?? '(unrouted)'} ${status}`;
  }
}

export interface HttpTelemetry {
  health: Health;
  errors: ErrorTracker;
  logger: Logger;
  /** Serves Prometheus text; absent when metrics are off. */
  metricsHandler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  /**
   * The server side of HTTP tracing: with these, the handler starts each request's SERVER span (parent
   * from traceparent) and records http.server.request.duration. Without them it leaves both to
   * whatever instruments the server (instrumentation-http, when TELEMETRY_HTTP_SERVER=instrumentation).
   */
  serverSpans?: { tracer: Tracer; duration: Histogram };
}

export interface HandlerOptions {
  /** Maps a request to its route template, for plain node:http services with their own router. */
  route?: (req: IncomingMessage) => string | undefined;
  /** Serve /metrics, /healthz and /readyz before the handler (default true). */
  endpoints?: boolean;
  /** One info line per request (method, route, status, duration). Default false. */
  accessLog?: boolean;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => unknown;

/**
 * The request's SERVER span, with the stable HTTP semantic-convention attributes a trace backend
 * needs (not the client's address: personal data). Secrets in the path or query are redacted with
 * every other attribute on the way out (RedactingSpanExporter).
 */
function startServerSpan(
  tracer: Tracer,
  req: IncomingMessage,
  pathname: string,
  query: number,
): { span: Span; spanContext: Context; method: string } {
  const raw = req.method ?? 'GET';
  const method = KNOWN_METHODS.has(raw) ? raw : '_OTHER';
  const attributes: Record<string, string | number> = {
    'http.request.method': method,
    'url.path': pathname,
    'url.scheme': (req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http',
    'network.protocol.version': req.httpVersion,
  };
  if (method === '_OTHER') attributes['http.request.method_original'] = raw;
  if (query !== -1) attributes['url.query'] = (req.url ?? '').slice(query + 1);
  const host = req.headers.host;
  if (host) {
    const colon = host.lastIndexOf(':');
    if (colon > host.lastIndexOf(']')) {
      attributes['server.address'] = host.slice(0, colon);
      attributes['server.port'] = Number(host.slice(colon + 1));
    } else {
      attributes['server.address'] = host;
    }
  }
  const userAgent = req.headers['user-agent'];
  if (userAgent) attributes['user_agent.original'] = userAgent;
  // The caller's trace context and baggage (W3C), not whatever context the socket happened to carry.
  const parent = propagation.extract(ROOT_CONTEXT, req.headers);
  const span = tracer.startSpan(
    method === '_OTHER' ? 'HTTP' : method,
    { kind: SpanKind.SERVER, attributes },
    parent,
  );
  return { span, spanContext: trace.setSpan(parent, span), method };
}

/**
 * Ends the span and records the duration once the response is done (or the connection gave up);
 * `method` is the normalised method the span started with.
 */
function endServerSpan(
  serverSpans: NonNullable<HttpTelemetry['serverSpans']>,
  span: Span,
  method: string,
  store: RequestContext,
  res: ServerResponse,
  started: number,
): void {
  const status = res.statusCode;
  span.setAttribute('http.response.status_code', status);
  if (status >= 500) {
    span.setAttribute('error.type', String(status));
    span.setStatus({ code: SpanStatusCode.ERROR });
  } else if (!res.writableFinished) {
    span.setAttribute('error.type', 'aborted');
    span.setStatus({
      code: SpanStatusCode.ERROR,
      message: 'the connection closed before the response was complete',
    });
  }
  span.end();
  const attributes: Record<string, string | number> = { 'http.request.method': method };
  if (store.route !== undefined) attributes['http.route'] = store.route;
  attributes['http.response.status_code'] = status;
  // A sampled span's context goes with the measurement, so its exemplar names this request's trace
  // ('close' runs outside it); an unsampled one leaves no exemplar and needs no context built.
  const sampled = (span.spanContext().traceFlags & TraceFlags.SAMPLED) !== 0;
  const seconds = (performance.now() - started) / 1000;
  if (sampled) serverSpans.duration.record(seconds, attributes, trace.setSpan(context.active(), span));
  else serverSpans.duration.record(seconds, attributes);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.statusCode = status;
  res.setHeader('content-type', 'application/json');
  res.setHeader('cache-control', 'no-store');
  res.end(JSON.stringify(body));
}

function serveBuiltin(telemetry: HttpTelemetry, pathname: string, req: IncomingMessage, res: ServerResponse) {
  switch (pathname) {
    case '/healthz':
      sendJson(res, 200, telemetry.health.liveness());
      return true;
    case '/readyz':
      telemetry.health.readiness().then(
        (readiness) => sendJson(res, readiness.ready ? 200 : 503, readiness),
        () => sendJson(res, 503, { ready: false }),
      );
      return true;
    case '/metrics':
      if (!telemetry.metricsHandler) return false;
      telemetry.metricsHandler(req, res);
      return true;
    default:
      return false;
  }
}

/**
 * Wraps a node:http request listener (or a framework's: Fastify's serverFactory, Hono's
 * getRequestListener): request ids in and out, request context for logs, error capture with a 500
 * answer, 5xx reporting, and the /metrics, /healthz, /readyz endpoints.
 */
export function wrapHandler(
  telemetry: HttpTelemetry,
  handler: Handler,
  options: HandlerOptions = {},
): RequestListener {
  const endpoints = options.endpoints ?? true;
  return (req, res) => {
    const url = req.url ?? '/';
    const query = url.indexOf('?');
    const pathname = query === -1 ? url : url.slice(0, query);
    if (endpoints && req.method === 'GET' && serveBuiltin(telemetry, pathname, req, res)) return;

    const requestId = pickRequestId(req.headers['x-request-id']);
    res.setHeader('x-request-id', requestId);
    const store: RequestContext = { requestId };
    const started = performance.now();
    const serve = () => {
      const route = options.route?.(req);
      if (route !== undefined) setHttpRoute(route, req.method);
      // Response events are not bound to the request's context: it is passed along explicitly for the
      // (rare) 5xx report and the access line.
      const active = context.active();
      res.once('finish', () => {
        if (res.statusCode >= 500 && !store.errorReported) {
          const error = new HttpServerError(req.method, store.route, res.statusCode);
          context.with(active, () =>
            requestContext.run(store, () => telemetry.errors.capture(error, { source: 'http' })),
          );
        }
        if (options.accessLog) {
          const http = {
            method: req.method,
            route: store.route,
            status: res.statusCode,
            duration_ms: Math.round((performance.now() - started) * 100) / 100,
          };
          context.with(active, () =>
            requestContext.run(store, () => telemetry.logger.info({ http }, 'request served')),
          );
        }
      });
      const fail = (error: unknown) => {
        telemetry.errors.capture(error, { source: 'http' });
        if (!res.headersSent) sendJson(res, 500, { error: 'internal error', request_id: requestId });
        else res.destroy();
      };
      try {
        const result = handler(req, res);
        if (result instanceof Promise) result.catch(fail);
      } catch (error) {
        fail(error);
      }
    };
    const { serverSpans } = telemetry;
    if (!serverSpans) {
      requestContext.run(store, serve);
      return;
    }
    const { span, spanContext, method } = startServerSpan(serverSpans.tracer, req, pathname, query);
    res.once('close', () => endServerSpan(serverSpans, span, method, store, res, started));
    context.with(spanContext, () => requestContext.run(store, serve));
  };
}
