// The service catalogue: every reference service's name, port, the services it calls (the service
// graph), its probes, resources, whether it owns a schema and its public path. compose/compose.yaml is
// the one source: compose says most of it, and each service's `x-kit` block says the rest. The
// Kubernetes workloads and NetworkPolicies are generated from this; tests read it.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { pinnedImage } from './pins.ts';
import type { DeployedEnvironment } from './settings.ts';
import { DEPLOYED_ENVIRONMENTS } from './settings.ts';

export const COMPOSE_FILE = 'compose/compose.yaml';

const kitBlock = z.strictObject({
  /** Each service called, and the environment variable that holds its address. */
  calls: z.record(z.string(), z.string().regex(/^[A-Z][A-Z0-9_]*$/)).default({}),
  /** The path under the public host that routes to this service (an Ingress rule). */
  public: z.string().startsWith('/').optional(),
  /** A directory the service writes data to (a volume). */
  data: z.string().startsWith('/').optional(),
  /** The environments it runs in (default: all). */
  environments: z.array(z.enum(DEPLOYED_ENVIRONMENTS)).default([...DEPLOYED_ENVIRONMENTS]),
  /** Its port on the host under `npm run dev -- --native`, where the services cannot share one. */
  nativePort: z.number().int().positive(),
  /**
   * How a new version reaches users in a cluster (Argo Rollouts): `blue-green` (a preview beside the
   * active version, promoted whole) or `canary` (a growing share, analysed as it grows). Default: a
   * plain Deployment's rolling update.
   */
  rollout: z.enum(['blue-green', 'canary']).optional(),
});

const memory = z.union([z.string(), z.number()]);
const cpus = z.union([z.string(), z.number()]);
const composeService = z.looseObject({
  image: z.string().optional(),
  build: z.looseObject({ dockerfile: z.string(), target: z.string().optional() }).optional(),
  command: z.array(z.string()).optional(),
  environment: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
  healthcheck: z.looseObject({ test: z.array(z.string()).optional() }).optional(),
  deploy: z
    .looseObject({
      resources: z.looseObject({
        limits: z.looseObject({ memory, cpus: cpus.optional() }).optional(),
        reservations: z.looseObject({ memory, cpus: cpus.optional() }).optional(),
      }),
    })
    .optional(),
  'x-kit': kitBlock.optional(),
});

export interface CatalogueService {
  name: string;
  /** The port the service listens on (its PORT), named `http` wherever it is published. */
  port: number;
  /** Its port on the host under `npm run dev -- --native`. */
  nativePort: number;
  /** Called service (a catalogue service, or a backing one such as postgres) → the variable naming it. */
  calls: Record<string, string>;
  /** What compose sets each of those variables to (the address by service name: DNS resolves it alike). */
  addresses: Record<string, string>;
  /** The path answering readiness (/readyz), taken from compose's healthcheck; liveness is /healthz. */
  readinessPath: string;
  memoryRequest: string;
  memoryLimit: string;
  cpuRequest: string;
  cpuLimit: string;
  /** The migration command when the service owns a schema (compose's `<name>-migrate` one-shot). */
  migrate?: string[];
  public?: string;
  data?: string;
  /** The variable holding the browser's Faro collector URL (a public address, set per environment). */
  browserCollector?: string;
  environments: DeployedEnvironment[];
  /** How a new version reaches users in a cluster (x-kit `rollout`); a Deployment's rolling update when unset. */
  rollout?: 'blue-green' | 'canary';
  /** How its image is built: the Dockerfile (from the repository root) and the stage. */
  build: { dockerfile: string; target?: string };
}

/**
 * A callee's address as compose spells it (http://llm-emulator:8080/v1, postgres://kit:…@postgres:5432/kit)
 * at another host and port, everything else kept: where --native or a test runs the callee.
 */
export function addressAt(address: string, host: string, port: number | string): string {
  const url = new URL(address);
  url.hostname = host;
  url.port = String(port);
  // URL adds a slash to a bare origin; keep the address as compose wrote it.
  return url.toString().replace(/\/$/, address.endsWith('/') ? '/' : '');
}

/** compose's `256m` as Kubernetes' `256Mi`. */
function quantity(value: string | number, where: string): string {
  const match = /^(\d+)([kmg])?b?$/i.exec(String(value).trim());
  if (!match) throw new Error(`${COMPOSE_FILE}: ${where} "${value}" is not a memory size like 256m`);
  const unit = { k: 'Ki', m: 'Mi', g: 'Gi' }[(match[2] ?? '').toLowerCase() as 'k' | 'm' | 'g'] ?? '';
  return `${match[1]}${unit}`;
}

/** compose's cpus ("0.05") as Kubernetes' millicores ("50m"). */
function millicores(value: string | number | undefined, where: string): string {
  const cores = Number(value);
  if (value === undefined || !(cores > 0))
    throw new Error(`${COMPOSE_FILE}: ${where} needs cpus, e.g. "0.05"`);
  return `${Math.round(cores * 1000)}m`;
}

/** Parsed catalogues by the compose file's text: a script reads it from several modules, YAML parses once. */
const parsed = new Map<string, readonly CatalogueService[]>();

/** Reads the catalogue from compose/compose.yaml: the services that compose builds from this repository. */
export function loadServiceCatalogue(root: string): CatalogueService[] {
  const text = readFileSync(path.join(root, COMPOSE_FILE), 'utf8');
  const known = parsed.get(text);
  if (known) return [...known];
  const catalogue = parseServiceCatalogue(text);
  parsed.set(text, catalogue);
  return [...catalogue];
}

function parseServiceCatalogue(text: string): CatalogueService[] {
  const file = parse(text, { merge: true }) as {
    services: Record<string, unknown>;
  };
  const services = Object.entries(file.services).map(([name, raw]) => {
    const parsed = composeService.safeParse(raw);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
      throw new Error(`${COMPOSE_FILE}: service ${name}: ${issues}`);
    }
    return { name, spec: parsed.data };
  });
  return services
    .filter(({ spec }) => spec.build)
    .map(({ name, spec }): CatalogueService => {
      const kit = spec['x-kit'];
      if (!kit)
        throw new Error(
          `${COMPOSE_FILE}: service ${name} is built here but has no x-kit block (nativePort at least)`,
        );
      const env = spec.environment ?? {};
      const port = Number(env.PORT);
      if (!Number.isInteger(port)) throw new Error(`${COMPOSE_FILE}: service ${name} sets no numeric PORT`);
      // The probe asks 127.0.0.1 for the readiness path: as a URL, or as bash's `GET /readyz` (compose.yaml).
      const readyz = /(?:http:\/\/127\.0\.0\.1:\d+|GET )(\/[a-z]+)/.exec(
        (spec.healthcheck?.test ?? []).join(' '),
      )?.[1];
      if (!readyz) throw new Error(`${COMPOSE_FILE}: service ${name}'s healthcheck names no readiness path`);
      const addresses: Record<string, string> = {};
      for (const [callee, variable] of Object.entries(kit.calls)) {
        const value = env[variable];
        if (value === undefined) {
          throw new Error(
            `${COMPOSE_FILE}: ${name} calls ${callee} through ${variable}, which it does not set`,
          );
        }
        addresses[callee] = String(value);
      }
      const migration = services.find(
        (s) => s.name === `${name}-migrate` && s.spec.image === spec.image && s.spec.command,
      );
      const resources = spec.deploy?.resources;
      if (!resources?.limits?.memory || !resources.reservations?.memory) {
        throw new Error(
          `${COMPOSE_FILE}: service ${name} needs deploy.resources limits and reservations (memory)`,
        );
      }
      return {
        name,
        port,
        nativePort: kit.nativePort,
        calls: kit.calls,
        addresses,
        readinessPath: readyz,
        memoryRequest: quantity(resources.reservations.memory, `${name} reservations.memory`),
        memoryLimit: quantity(resources.limits.memory, `${name} limits.memory`),
        cpuRequest: millicores(resources.reservations.cpus, `${name} reservations`),
        cpuLimit: millicores(resources.limits.cpus, `${name} limits`),
        ...(migration?.spec.command ? { migrate: migration.spec.command } : {}),
        ...(kit.public ? { public: kit.public } : {}),
        ...(kit.data ? { data: kit.data } : {}),
        ...('FARO_COLLECTOR_URL' in env ? { browserCollector: 'FARO_COLLECTOR_URL' } : {}),
        environments: kit.environments,
        ...(kit.rollout ? { rollout: kit.rollout } : {}),
        build: {
          dockerfile: spec.build?.dockerfile ?? 'Dockerfile',
          ...(spec.build?.target ? { target: spec.build.target } : {}),
        },
      };
    });
}

/** The PostgreSQL the services use under compose: what a cluster's database is created alike. */
export interface DatabaseFacts {
  database: string;
  owner: string;
  /** The pinned image (images.env POSTGRES_IMAGE), e.g. postgres:17.12-trixie. */
  image: string;
  memoryRequest: string;
  memoryLimit: string;
}

/** compose's `postgres` service, with the image it pins in images.env. */
export function loadDatabaseFacts(root: string): DatabaseFacts {
  const file = parse(readFileSync(path.join(root, COMPOSE_FILE), 'utf8'), { merge: true }) as {
    services: Record<string, unknown>;
  };
  const spec = composeService.parse(file.services.postgres ?? {});
  const env = spec.environment ?? {};
  const resources = spec.deploy?.resources;
  if (
    !env.POSTGRES_DB ||
    !env.POSTGRES_USER ||
    !resources?.limits?.memory ||
    !resources.reservations?.memory
  ) {
    throw new Error(
      `${COMPOSE_FILE}: service postgres needs POSTGRES_DB, POSTGRES_USER and deploy.resources (memory)`,
    );
  }
  const image = pinnedImage(root, 'POSTGRES_IMAGE');
  return {
    database: String(env.POSTGRES_DB),
    owner: String(env.POSTGRES_USER),
    image,
    memoryRequest: quantity(resources.reservations.memory, 'postgres reservations.memory'),
    memoryLimit: quantity(resources.limits.memory, 'postgres limits.memory'),
  };
}
