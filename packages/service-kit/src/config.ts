import { z } from 'zod';

/**
 * What every service reads from its environment: the port and the admin token of the runtime fault
 * routes. Spread into a service's schema: `z.object({ ...serviceEnv, ...postgresEnv, LLM_MODEL: … })`.
 */
export const serviceEnv = {
  PORT: z.coerce.number().int().min(1).max(65_535).default(8080),
  /** Bearer token of `/admin/faults`; unset, the admin routes do not exist. */
  ADMIN_TOKEN: z.string().optional(),
};

/** A service that owns a Postgres schema. */
export const postgresEnv = {
  /** postgres://user:password@host:5432/db — the credentials never reach a log. */
  DATABASE_URL: z.string().min(1),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(100).default(10),
};

/** A service that evaluates feature flags. */
export const flagsEnv = {
  /** The feature-flag file (flagd's format); unset, every flag answers its definition default. */
  FLAGS_FILE: z.string().min(1).optional(),
};

/** The part of a parsed environment that `runService` itself uses. */
export interface ServiceEnv {
  PORT: number;
  ADMIN_TOKEN?: string | undefined;
}

export class ServiceConfigError extends Error {
  override name = 'ServiceConfigError';
}

/**
 * Parses the environment with the service's schema. The error names every bad variable with zod's
 * message (which states what was expected, never the value: it may be a secret) and the README that
 * documents them.
 */
export function loadServiceConfig<S extends z.ZodType>(
  service: string,
  schema: S,
  env: NodeJS.ProcessEnv = process.env,
): z.output<S> {
  const parsed = schema.safeParse(env);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues
    .map((issue) => `${issue.path.join('.') || '(environment)'}: ${issue.message}`)
    .join('; ');
  throw new ServiceConfigError(
    `${service}: invalid or missing environment (${problems}) — see services/${service}/README.md`,
  );
}
