import { existsSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/** A port a service publishes on the host. */
export interface PublishedPort {
  service: string;
  hostIp: string;
  hostPort: number;
  containerPort: number;
}

/** What `npm run dev` needs to know about one compose service. */
export interface DevService {
  name: string;
  profiles: string[];
  image: string;
  /** Absolute path of the Dockerfile when compose builds the image from this repository. */
  dockerfile?: string;
  ports: PublishedPort[];
  dependsOn: string[];
  /** The command override, if any. */
  command?: string[];
  /** Its environment as resolved (a variable set without a value is left out). */
  environment?: Record<string, string>;
  /** Exits 0 when done (others wait for service_completed_successfully); never "healthy". */
  oneShot: boolean;
  memoryLimitBytes: number;
  memoryReservationBytes: number;
}

const memory = z.union([z.string(), z.number()]).transform((value) => Number(value));

// The subset of `docker compose config --format json` the dev verbs read; everything else passes.
const composeConfigSchema = z.object({
  name: z.string(),
  services: z.record(
    z.string(),
    z.object({
      profiles: z.array(z.string()).optional(),
      image: z.string().optional(),
      command: z.array(z.string()).nullable().optional(),
      environment: z.record(z.string(), z.string().nullable()).optional(),
      build: z.object({ context: z.string(), dockerfile: z.string().optional() }).optional(),
      ports: z
        .array(
          z.object({
            host_ip: z.string().optional(),
            target: z.number(),
            published: z.union([z.string(), z.number()]).optional(),
          }),
        )
        .optional(),
      depends_on: z.record(z.string(), z.object({ condition: z.string() })).optional(),
      deploy: z
        .object({
          resources: z
            .object({
              limits: z.object({ memory: memory.optional() }).optional(),
              reservations: z.object({ memory: memory.optional() }).optional(),
            })
            .optional(),
        })
        .optional(),
    }),
  ),
});

export interface DevProject {
  name: string;
  services: DevService[];
  /** A hash of the resolved configuration (`docker compose config`) but its builds: what `up` last started, if equal. */
  configHash?: string;
}

/** Reads the output of `docker compose config --format json` into the dev verbs' model. */
export function parseComposeConfig(json: unknown): DevProject {
  const config = composeConfigSchema.parse(json);
  const oneShots = new Set<string>();
  for (const service of Object.values(config.services)) {
    for (const [dependency, { condition }] of Object.entries(service.depends_on ?? {})) {
      if (condition === 'service_completed_successfully') oneShots.add(dependency);
    }
  }
  const services = Object.entries(config.services).map(([name, service]): DevService => {
    const dockerfile = service.build
      ? path.resolve(service.build.context, service.build.dockerfile ?? 'Dockerfile')
      : undefined;
    return {
      name,
      profiles: service.profiles ?? [],
      image: service.image ?? `${config.name}-${name}`,
      ...(dockerfile ? { dockerfile } : {}),
      ports: (service.ports ?? [])
        .filter((port) => port.published !== undefined && port.published !== '')
        .map((port) => ({
          service: name,
          hostIp: port.host_ip || '0.0.0.0',
          hostPort: Number(port.published),
          containerPort: port.target,
        })),
      dependsOn: Object.keys(service.depends_on ?? {}),
      ...(service.command ? { command: service.command } : {}),
      ...(service.environment
        ? {
            environment: Object.fromEntries(
              Object.entries(service.environment).filter(
                (entry): entry is [string, string] => entry[1] !== null,
              ),
            ),
          }
        : {}),
      oneShot: oneShots.has(name),
      memoryLimitBytes: service.deploy?.resources?.limits?.memory ?? 0,
      memoryReservationBytes: service.deploy?.resources?.reservations?.memory ?? 0,
    };
  });
  return { name: config.name, services };
}

export interface LeftOut {
  service: string;
  /** Why, in a few words: the missing image or Dockerfile, or the left-out dependency. */
  reason: string;
}

export interface StartPlan {
  start: DevService[];
  leftOut: LeftOut[];
}

export interface Availability {
  /** Whether the engine has this image locally. */
  hasImage: (image: string) => boolean;
  /** Whether this Dockerfile exists (services still being written have none yet). */
  hasDockerfile?: (dockerfile: string) => boolean;
}

/**
 * Decides what can start: a service whose image is neither present nor buildable is left out, and so
 * is everything that depends on it, each with the reason.
 */
export function planStart(services: DevService[], availability: Availability): StartPlan {
  const hasDockerfile = availability.hasDockerfile ?? existsSync;
  const byName = new Map(services.map((service) => [service.name, service]));
  const reasons = new Map<string, string>();
  // Images another service builds from this repository (the migrations reuse their service's image).
  const builtHere = new Set<string>();
  for (const service of services) {
    if (!service.dockerfile) continue;
    if (hasDockerfile(service.dockerfile)) builtHere.add(service.image);
    else
      reasons.set(
        service.name,
        `no ${path.relative(process.cwd(), service.dockerfile) || service.dockerfile}`,
      );
  }
  for (const service of services) {
    if (service.dockerfile || builtHere.has(service.image)) continue;
    const builder = services.find((other) => other.dockerfile && other.image === service.image);
    if (builder) reasons.set(service.name, reasons.get(builder.name) ?? `needs ${builder.name}`);
    else if (!availability.hasImage(service.image))
      reasons.set(service.name, `image ${service.image} not present`);
  }
  // Propagate to dependents until nothing changes (the graph is small).
  let changed = true;
  while (changed) {
    changed = false;
    for (const service of services) {
      if (reasons.has(service.name)) continue;
      const missing = service.dependsOn.find(
        (dependency) => reasons.has(dependency) || !byName.has(dependency),
      );
      if (missing !== undefined) {
        reasons.set(service.name, `needs ${missing}`);
        changed = true;
      }
    }
  }
  return {
    start: services.filter((service) => !reasons.has(service.name)),
    leftOut: services
      .filter((service) => reasons.has(service.name))
      .map((service) => ({ service: service.name, reason: reasons.get(service.name) ?? '' })),
  };
}

/** The services of the given profiles (a service without profiles is always active). */
export function inProfiles(services: DevService[], profiles: readonly string[]): DevService[] {
  return services.filter(
    (service) => service.profiles.length === 0 || service.profiles.some((p) => profiles.includes(p)),
  );
}

/** One line naming what was left out and why (grouped by reason), or undefined when everything starts. */
export function describeLeftOut(leftOut: LeftOut[]): string | undefined {
  if (leftOut.length === 0) return undefined;
  const byReason = new Map<string, string[]>();
  for (const { service, reason } of leftOut) byReason.set(reason, [...(byReason.get(reason) ?? []), service]);
  const parts = [...byReason].map(([reason, services]) => `${services.join(', ')} (${reason})`);
  const pullable = leftOut.some(({ reason }) => reason.startsWith('image '));
  const hint = pullable
    ? ' — run `npm run images -- pull` where a registry is reachable, or point the *_IMAGE variables at a mirror'
    : '';
  return `Left out ${parts.join('; ')}${hint}`;
}
