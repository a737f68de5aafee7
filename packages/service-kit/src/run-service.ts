import type { Telemetry } from '@telemetry-kit/telemetry';
import { getTelemetry, startTelemetry } from '@telemetry-kit/telemetry';
import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import { every } from './background.ts';
import { loadServiceConfig, type ServiceEnv } from './config.ts';
import { FaultInjector, faultsFromEnv } from './faults.ts';
import { serve } from './lifecycle.ts';

/** What `build` gets: everything a service wires its parts from. */
export interface ServiceContext<C extends ServiceEnv> {
  /** The environment, parsed by the service's schema. */
  config: C;
  /** The running telemetry instance (started by `--import @telemetry-kit/telemetry/register`). */
  telemetry: Telemetry;
  /** Fault injection from FAULT_LATENCY_MS / FAULT_ERROR_RATE, changed at runtime by /admin/faults. */
  faults: FaultInjector;
  /**
   * Releases a resource (a pool, a flag provider) once the server has drained and closed, before
   * telemetry is flushed; resources are released in the reverse order of registration.
   */
  onShutdown(release: () => Promise<void> | void): void;
  /** Off-request work every `intervalMs`, each run its own trace, failures captured (see `every`). */
  every(name: string, intervalMs: number, job: () => Promise<void> | void): void;
}

export interface ServiceDefinition<S extends z.ZodType<ServiceEnv>> {
  /** The folder under services/: names the service when no telemetry runs yet, and its README in errors. */
  name: string;
  /** The environment's schema, usually `z.object({ ...serviceEnv, … })`. */
  config: S;
  /** Builds the app from its parts; readiness checks and shutdown releases are registered here. */
  build(context: ServiceContext<z.output<S>>): Promise<FastifyInstance> | FastifyInstance;
  env?: NodeJS.ProcessEnv;
}

export interface RunningService<C> {
  app: FastifyInstance;
  config: C;
  telemetry: Telemetry;
}

/**
 * A service's main: parse the environment (a clear error naming the README), build the app on the
 * running telemetry (unexpected route errors reach its error tracker: `createServiceApp`), listen, and
 * on SIGTERM drain, close, release what `build` registered, flush telemetry and exit.
 */
export async function runService<S extends z.ZodType<ServiceEnv>>(
  definition: ServiceDefinition<S>,
): Promise<RunningService<z.output<S>>> {
  // `register` started telemetry before main was imported; the fallback serves a process started
  // without it (no auto-instrumentation then, but logs, metrics, health and errors).
  const telemetry = getTelemetry() ?? startTelemetry({ serviceName: definition.name });
  const config = loadServiceConfig(definition.name, definition.config, definition.env);
  const releases: (() => Promise<void> | void)[] = [];
  const app = await definition.build({
    config,
    telemetry,
    faults: new FaultInjector(faultsFromEnv(definition.env)),
    onShutdown: (release) => void releases.unshift(release),
    every: (name, intervalMs, job) => void every(telemetry, name, intervalMs, job),
  });
  await serve(app, telemetry, {
    port: config.PORT,
    beforeExit: async () => {
      for (const release of releases) {
        try {
          await release();
        } catch (error) {
          telemetry.logger.warn({ err: error }, 'a resource failed to close at shutdown');
        }
      }
    },
  });
  return { app, config, telemetry };
}
