import type { RequestListener } from 'node:http';
import { createServer } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Telemetry } from '@telemetry-kit/telemetry';
import { setHttpRoute } from '@telemetry-kit/telemetry';
import type { FastifyInstance } from 'fastify';
import Fastify from 'fastify';
import { errorBody, HttpError, toErrorResponse } from './errors.ts';
import type { FaultInjector } from './faults.ts';
import { faultSettingsSchema } from './faults.ts';
import { secretsEqual } from './secrets.ts';
import { parseInput } from './validation.ts';

export interface ServiceAppOptions {
  /** Largest accepted request body in bytes; larger bodies get a 413. */
  bodyLimit?: number;
  faults: FaultInjector;
  /**
   * Bearer token for `GET/PUT /admin/faults`. Without one the admin routes do not exist, so fault
   * injection at runtime is opt-in per deployment.
   */
  adminToken?: string | undefined;
  /**
   * The service's telemetry: the server is wrapped by it (/metrics, /healthz, /readyz, request ids,
   * 5xx reports), routes name their spans and `http_route` labels, and an error that becomes a 500 is
   * captured by its error tracker as thrown (type, stack, fingerprint; see the error handler below).
   * Unit tests leave it out and use `inject`.
   */
  telemetry?: Telemetry | undefined;
}

/** Paths that fault injection never touches: probes and scrapes must tell the truth. */
const OPERATIONAL_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

function tokenMatches(presented: string | undefined, expected: string): boolean {
  return secretsEqual(presented?.replace(/^Bearer /i, '') ?? '', expected);
}

/**
 * A Fastify instance with the behaviour every reference service shares: JSON error bodies for
 * every failure (4xx for anything the client got wrong, never a crash), a body limit,
 * prototype-poisoning refusal, fault injection, and the runtime fault admin routes.
 */
export function createServiceApp(options: ServiceAppOptions): FastifyInstance {
  const { telemetry } = options;
  const app = Fastify({
    serverFactory: (listener: RequestListener) =>
      createServer(telemetry ? telemetry.handler(listener, { accessLog: true }) : listener),
    logger: false,
    bodyLimit: options.bodyLimit ?? 64 * 1024,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    return503OnClosing: true,
    // The telemetry library owns request ids (x-request-id in, x-request-id out).
    requestIdHeader: false,
    routerOptions: { maxParamLength: 200 },
  });

  if (telemetry) {
    app.addHook('onRequest', async (request) => {
      const route = request.routeOptions.url;
      if (route) setHttpRoute(route, request.method);
    });
  }

  app.addHook('onRequest', async (request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    if (OPERATIONAL_PATHS.has(path) || path.startsWith('/admin/')) return;
    const { delayMs, fail } = options.faults.decide();
    if (delayMs > 0) await sleep(delayMs);
    if (fail) {
      await reply.code(503).send(errorBody('fault_injected', 'failure injected by fault injection'));
    }
  });

  if (options.adminToken) {
    const adminToken = options.adminToken;
    const authorise = async (request: { headers: Record<string, unknown> }) => {
      const header = request.headers.authorization;
      if (!tokenMatches(typeof header === 'string' ? header : undefined, adminToken)) {
        throw new HttpError(401, 'unauthorised', 'a valid admin bearer token is required');
      }
    };
    app.get('/admin/faults', { onRequest: authorise }, async () => options.faults.settings);
    app.put('/admin/faults', { onRequest: authorise }, async (request) => {
      options.faults.set(parseInput(faultSettingsSchema, request.body));
      return options.faults.settings;
    });
  }

  app.setNotFoundHandler(async (request, reply) => {
    return reply.code(404).send(errorBody('not_found', `no route matches ${request.method} on this path`));
  });

  app.setErrorHandler(async (error, _request, reply) => {
    const { status, body, unexpected } = toErrorResponse(error);
    // The thrown error itself (a bug, or an HttpError a route chose to answer 5xx with), inside the
    // request's span and context: request id, user, trace. The handler's own 5xx report is then
    // skipped: it knows only "answered 500", and one fingerprint per route instead of per throw site.
    if (unexpected || status >= 500) telemetry?.errors.capture(error, { source: 'http' });
    return reply.code(status).send(body);
  });

  return app;
}
