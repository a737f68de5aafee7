import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '@telemetry-kit/observability-config/paths';
import type { CatalogueService } from '@telemetry-kit/observability-config/services';
import { addressAt, loadServiceCatalogue } from '@telemetry-kit/observability-config/services';
import type { StartedPostgres } from '@telemetry-kit/service-kit/testing';
import { startPostgres } from '@telemetry-kit/service-kit/testing';
import { TelemetrySink } from '@telemetry-kit/testkit';
import type { ServiceProcess } from './service-process.ts';
import { runOneShot, startServiceProcess } from './service-process.ts';

export interface ReferenceApp {
  sink: TelemetrySink;
  postgres: StartedPostgres;
  /** Every service started, by catalogue name. */
  services: Record<string, ServiceProcess>;
  /** A started service by name; throws for one the stack does not run. */
  service(name: string): ServiceProcess;
  gatewayUrl: string;
  stop(): Promise<void>;
}

/** The service the journeys call (the public API), and with it everything it reaches. */
const ENTRY = 'gateway';

/** The entry and the services it calls, directly or not, callees first (the catalogue's graph). */
function startOrder(catalogue: CatalogueService[]): CatalogueService[] {
  const order: CatalogueService[] = [];
  const visit = (name: string, path: string[]) => {
    if (order.some((s) => s.name === name)) return;
    if (path.includes(name)) throw new Error(`the service graph has a cycle: ${[...path, name].join(' → ')}`);
    const service = catalogue.find((s) => s.name === name);
    if (!service) return; // a backing service (postgres), not a process
    for (const callee of Object.keys(service.calls)) visit(callee, [...path, name]);
    order.push(service);
  };
  visit(ENTRY, []);
  return order;
}

/** The services startReferenceApp runs, callees first. */
export function referenceAppServices(): CatalogueService[] {
  return startOrder(loadServiceCatalogue(REPO_ROOT));
}

/**
 * The reference application on this machine, from the service catalogue: Postgres in a container, the
 * schema owners' migrations run as the one-shot step, then the gateway and every service it reaches,
 * callees first, as processes exporting to one telemetry sink. `env` is set on every service (FLAGS_FILE).
 */
export async function startReferenceApp(
  options: { env?: Record<string, string> } = {},
): Promise<ReferenceApp> {
  const sink = await TelemetrySink.start();
  const postgres = await startPostgres();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'rituals-e2e-'));
  const started: Record<string, ServiceProcess> = {};
  try {
    const order = referenceAppServices();
    for (const service of order) {
      // compose's command, run where the image runs it: in the service's folder.
      const [, script, ...args] = service.migrate ?? [];
      if (script)
        await runOneShot(path.join('services', service.name, script), args, { DATABASE_URL: postgres.url });
    }
    for (const service of order) {
      const env: Record<string, string> = { ...EXTRA_ENV[service.name], ...options.env };
      for (const [callee, variable] of Object.entries(service.calls)) {
        if (callee === 'postgres') {
          env[variable] = postgres.url;
          continue;
        }
        const running = started[callee];
        if (!running) throw new Error(`${service.name} calls ${callee}, which the e2e stack does not run`);
        const { hostname, port } = new URL(running.url);
        env[variable] = addressAt(service.addresses[callee] ?? running.url, hostname, port);
      }
      if (service.data) env.RITUALS_DATA_DIR = dataDir;
      started[service.name] = await startServiceProcess(service.name, sink, env);
    }
    const service = (name: string) => {
      const running = started[name];
      if (!running)
        throw new Error(`the e2e stack runs no ${name} (it runs ${Object.keys(started).join(', ')})`);
      return running;
    };
    return {
      sink,
      postgres,
      services: started,
      service,
      gatewayUrl: service(ENTRY).url,
      stop: async () => {
        await Promise.all(Object.values(started).map((s) => s.stop()));
        await postgres.stop();
        await sink.stop();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await Promise.all(Object.values(started).map((s) => s.stop()));
    await postgres.stop();
    await sink.stop();
    throw error;
  }
}

/** What the tests set beyond compose's wiring: a fast, steady model. */
const EXTRA_ENV: Record<string, Record<string, string>> = {
  'llm-emulator': { LLM_LATENCY_MEDIAN_MS: '20', LLM_LATENCY_P99_MS: '80' },
};

export interface ApiAnswer {
  status: number;
  body: Record<string, unknown>;
}

/** One JSON call to the gateway's API, as the web app makes it; a body that is not JSON reads as {}. */
export async function callApi(
  gatewayUrl: string,
  method: string,
  route: string,
  options: { body?: unknown; token?: string; headers?: Record<string, string> } = {},
): Promise<ApiAnswer> {
  const { body, token, headers = {} } = options;
  const response = await fetch(`${gatewayUrl}${route}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return {
    status: response.status,
    body: (await response.json().catch(() => ({}))) as Record<string, unknown>,
  };
}
