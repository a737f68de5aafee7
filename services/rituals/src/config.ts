import { z } from 'zod';

const schema = z.object({
  PORT: z.coerce.number().int().min(1).max(65_535).default(8080),
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
  ADMIN_TOKEN: z.string().optional(),
  /** The feature-flag file (flagd's format); unset, every flag answers its definition default. */
  FLAGS_FILE: z.string().min(1).optional(),
});

export type RitualsConfig = z.infer<typeof schema>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): RitualsConfig {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((issue) => issue.path.join('.')).join(', ');
    throw new Error(`rituals: invalid or missing environment (${fields}) — see services/rituals/README.md`);
  }
  return parsed.data;
}
