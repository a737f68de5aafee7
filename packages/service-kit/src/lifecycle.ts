import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Telemetry } from '@telemetry-kit/telemetry';
import type { FastifyInstance } from 'fastify';

export interface ServeOptions {
  port: number;
  host?: string;
  /** Runs after the server drained and closed, before telemetry is flushed (close pools here). */
  beforeExit?: () => Promise<void> | void;
}

/**
 * Listens, then hands shutdown to the telemetry library: on SIGTERM/SIGINT readiness turns false,
 * in-flight requests finish while load balancers notice (TELEMETRY_DRAIN_MS) and kept-alive
 * connections are closed after their next answer, the server closes,
 * `beforeExit` releases resources, telemetry is flushed, and the process exits 0.
 */
export async function serve(
  app: FastifyInstance,
  telemetry: Telemetry,
  options: ServeOptions,
): Promise<void> {
  // While draining, every answer carries `Connection: close`: a caller (the gateway's connection
  // pool) opens its next request on a new connection, to another replica or to this one's successor,
  // instead of writing it on a kept-alive connection just as the server closes it — a request lost
  // that way can only be retried when it is idempotent. Ahead of Fastify's own listener: a route
  // that answers at once (the probes) has sent its headers by the time a later listener runs, and a
  // caller polling it would keep its connection, and the closed server, alive.
  app.server.prependListener('request', (_request: IncomingMessage, response: ServerResponse) => {
    if (telemetry.health.draining) response.setHeader('connection', 'close');
  });
  await app.listen({ port: options.port, host: options.host ?? '0.0.0.0' });
  telemetry.logger.info({ port: options.port }, 'listening');
  telemetry.installShutdownHandlers({
    servers: [app.server],
    ...(options.beforeExit ? { beforeExit: options.beforeExit } : {}),
  });
}
