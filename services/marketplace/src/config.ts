import { z } from 'zod';

const schema = z.object({
  PORT: z.coerce.number().int().min(1).max(65_535).default(8080),
  /** postgres://user:password@host:5432/db — the credentials never reach a log. */
  DATABASE_URL: z.string().min(1),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(100).default(10),
  ADMIN_TOKEN: z.string().optional(),
  /** The feature-flag file (flagd's format); unset, every flag answers its definition default. */
  FLAGS_FILE: z.string().min(1).optional(),
});

export type MarketplaceConfig = z.infer<typeof schema>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): MarketplaceConfig {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((issue) => issue.path.join('.')).join(', ');
    throw new Error(
      `marketplace: invalid or missing environment (${fields}) — see services/marketplace/README.md`,
    );
  }
  return parsed.data;
}
