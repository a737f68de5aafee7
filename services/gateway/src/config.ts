import { postgresEnv, serviceEnv } from '@telemetry-kit/service-kit';
import { z } from 'zod';

/** The gateway's environment; documented in README.md. */
export const gatewayConfig = z.object({
  ...serviceEnv,
  /** Postgres holding the gateway schema (users, sessions). */
  ...postgresEnv,
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
});

export type GatewayConfig = z.infer<typeof gatewayConfig>;
