import { flagsEnv, serviceEnv } from '@telemetry-kit/service-kit';
import { z } from 'zod';

/** The rituals service's environment; documented in README.md. */
export const ritualsConfig = z.object({
  ...serviceEnv,
  ...flagsEnv,
  /** An OpenAI-compatible API: the llm-emulator locally, a real provider in staging and production. */
  LLM_BASE_URL: z.url(),
  LLM_MODEL: z.string().min(1).default('ritual-emulator-1'),
  /** The provider's key; the emulator accepts any. Never logged. */
  LLM_API_KEY: z.string().min(1).default('not-needed-for-the-emulator'),
  LLM_TIMEOUT_MS: z.coerce.number().int().min(100).default(20_000),
  LLM_MAX_TOKENS: z.coerce.number().int().min(16).max(4096).default(160),
  /** Where rituals (JSON records and WAV audio) are stored. */
  RITUALS_DATA_DIR: z.string().min(1).default('/var/lib/rituals'),
  ESPEAK_VOICE: z
    .string()
    .regex(/^[a-z]{2,3}(-[a-z0-9]+)*$/i)
    .default('en-us'),
  ESPEAK_WPM: z.coerce.number().int().min(80).max(400).default(150),
  SYNTHESIS_TIMEOUT_MS: z.coerce.number().int().min(100).default(20_000),
});

export type RitualsConfig = z.infer<typeof ritualsConfig>;
