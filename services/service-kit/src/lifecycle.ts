import type { FastifyInstance } from 'fastify';

export interface ServeOptions {
  port: number;
  host?: string;
  /** Printed once listening and on shutdown; the service's logger. */
  log: { info: (obj: object, msg: string) => void; error: (obj: object, msg: string) => void };
  /** Runs first on SIGTERM/SIGINT (e.g. turn readiness false so traffic drains). */
  beforeClose?: () => void | Promise<void>;
  /** Runs after the server stopped accepting and finished in-flight requests (close pools, flush telemetry). */
  afterClose?: () => void | Promise<void>;
  /** Longest a graceful shutdown may take before the process exits anyway. */
  shutdownTimeoutMs?: number;
}

/**
 * Listens, then on SIGTERM or SIGINT: readiness off, stop accepting, finish in-flight requests,
 * release resources, exit 0. A shutdown that hangs past the timeout exits 1.
 */
export async function serve(app: FastifyInstance, options: ServeOptions): Promise<void> {
  await app.listen({ port: options.port, host: options.host ?? '0.0.0.0' });
  options.log.info({ port: options.port }, 'listening');
  let shuttingDown = false;
  const shutdown = async (signal: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    options.log.info({ signal }, 'shutting down: draining in-flight requests');
    const timer = setTimeout(() => {
      options.log.error({ signal }, 'graceful shutdown timed out; exiting');
      process.exit(1);
    }, options.shutdownTimeoutMs ?? 10_000);
    timer.unref();
    try {
      await options.beforeClose?.();
      await app.close();
      await options.afterClose?.();
      process.exit(0);
    } catch (error) {
      options.log.error({ err: error }, 'graceful shutdown failed');
      process.exit(1);
    }
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}
