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
 * in-flight requests finish while load balancers notice (TELEMETRY_DRAIN_MS), the server closes,
 * `beforeExit` releases resources, telemetry is flushed, and the process exits 0.
 */
export async function serve(
  app: FastifyInstance,
  telemetry: Telemetry,
  options: ServeOptions,
): Promise<void> {
  await app.listen({ port: options.port, host: options.host ?? '0.0.0.0' });
  telemetry.logger.info({ port: options.port }, 'listening');
  telemetry.installShutdownHandlers({
    servers: [app.server],
    ...(options.beforeExit ? { beforeExit: options.beforeExit } : {}),
  });
}
