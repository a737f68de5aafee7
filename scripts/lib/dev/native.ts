import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '@telemetry-kit/observability-config/paths';
import { addressAt, COMPOSE_FILE, loadServiceCatalogue } from '@telemetry-kit/observability-config/services';
import {
  ENTRY_CANDIDATES,
  entryFile,
  RELOAD_ENVIRONMENT,
  RELOADER,
  reloadFolders,
  reloadingCommand,
} from './watch.ts';

const CATALOGUE = loadServiceCatalogue(REPO_ROOT);

/**
 * Host ports of the Node services under `npm run dev -- --native` (x-kit.nativePort in compose, the
 * service catalogue). Prometheus scrapes the same ports through host.docker.internal
 * (compose/prometheus/targets/native/, generated from the catalogue too).
 */
export const NATIVE_PORTS: Readonly<Record<string, number>> = Object.fromEntries(
  CATALOGUE.map((service) => [service.name, service.nativePort]),
);

/** Containers that stay in containers under --native: the database, everything else is on the host. */
export const NATIVE_CONTAINERS = ['postgres'] as const;

export interface NativeProcess {
  service: string;
  cwd: string;
  command: string[];
  env: Record<string, string>;
}

/** compose's address of a callee (http://rituals:8080, postgres://…@postgres:5432/kit) on the host. */
function onTheHost(address: string, callee: string, postgresPort: number): string {
  if (new URL(address).hostname !== callee) return address;
  const port = callee === 'postgres' ? postgresPort : NATIVE_PORTS[callee];
  if (port === undefined) throw new Error(`--native: ${callee} has no host port (x-kit.nativePort)`);
  return addressAt(address, 'localhost', port);
}

/** Environment of one service on the host: each service it calls (the catalogue) at its localhost address. */
export function nativeEnvironment(service: string, postgresPort = 5432): Record<string, string> {
  const entry = CATALOGUE.find((s) => s.name === service);
  if (!entry) throw new Error(`--native: ${service} is not in the service catalogue (${COMPOSE_FILE})`);
  return {
    PORT: String(entry.nativePort),
    // Prometheus, in a container, reaches the service through the host gateway.
    HOST: '0.0.0.0',
    NODE_ENV: 'development',
    DEPLOYMENT_ENVIRONMENT: 'development',
    OTEL_SERVICE_NAME: service,
    ...RELOAD_ENVIRONMENT,
    OTEL_EXPORTER_OTLP_ENDPOINT: 'http://localhost:4318',
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
    ...Object.fromEntries(
      Object.entries(entry.calls).map(([callee, variable]) => [
        variable,
        onTheHost(entry.addresses[callee] ?? '', callee, postgresPort),
      ]),
    ),
    ...(entry.browserCollector ? { [entry.browserCollector]: 'http://localhost:12347/collect' } : {}),
    ...(entry.data ? { RITUALS_DATA_DIR: path.join(os.tmpdir(), `telemetry-kit-${service}`) } : {}),
  };
}

export interface NativePlan {
  processes: NativeProcess[];
  /** Services that cannot run on the host yet, with the reason. */
  missing: Array<{ service: string; reason: string }>;
}

/** One Node process under the reload supervisor per service that has an entry module. */
export function nativePlan(repoRoot: string, postgresPort = 5432): NativePlan {
  const processes: NativeProcess[] = [];
  const missing: NativePlan['missing'] = [];
  for (const service of Object.keys(NATIVE_PORTS)) {
    const cwd = path.join(repoRoot, 'services', service);
    const entry = existsSync(cwd) ? entryFile(cwd) : undefined;
    if (!entry) {
      missing.push({
        service,
        reason: `no entry module in services/${service} (${ENTRY_CANDIDATES.join(', ')})`,
      });
      continue;
    }
    // As the images run them (Dockerfile CMD), under the reload supervisor as `--watch` runs them in containers.
    processes.push({
      service,
      cwd: repoRoot,
      command: reloadingCommand(
        RELOADER,
        reloadFolders(repoRoot, service),
        path.join('services', service, entry),
      ),
      env: nativeEnvironment(service, postgresPort),
    });
  }
  return { processes, missing };
}

/**
 * Services whose package has a build step (`scripts.build`: the web's browser app) and no build output
 * (dist/) yet: on the host nothing has built them, where their image build would have.
 */
export function unbuiltServices(repoRoot: string, services: readonly string[]): string[] {
  return services.filter((service) => {
    const dir = path.join(repoRoot, 'services', service);
    const manifest = path.join(dir, 'package.json');
    if (!existsSync(manifest)) return false;
    const { scripts } = JSON.parse(readFileSync(manifest, 'utf8')) as { scripts?: Record<string, string> };
    return Boolean(scripts?.build) && !existsSync(path.join(dir, 'dist'));
  });
}
