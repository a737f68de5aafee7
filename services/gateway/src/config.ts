import { z } from 'zod';

const schema = z.object({
  PORT: z.coerce.number().int().min(1).max(65_535).default(8080),
  /** Postgres holding the gateway schema (users, sessions); credentials never reach a log. */
  DATABASE_URL: z.string().min(1),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(100).default(10),
  RITUALS_URL: z.url(),
  MARKETPLACE_URL: z.url(),
  /** Ritual generation waits for an LLM and speech synthesis. */
  RITUALS_TIMEOUT_MS: z.coerce.number().int().min(100).default(30_000),
  MARKETPLACE_TIMEOUT_MS: z.coerce.number().int().min(100).default(5_000),
  SESSION_TTL_HOURS: z.coerce
    .number()
    .min(0.01)
    .max(24 * 30)
    .default(24),
  ADMIN_TOKEN: z.string().optional(),
});

export type GatewayConfig = z.infer<typeof schema>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((issue) => issue.path.join('.')).join(', ');
    throw new Error(`gateway: invalid or missing environment (${fields}) — see services/gateway/README.md`);
  }
  return parsed.data;
}
