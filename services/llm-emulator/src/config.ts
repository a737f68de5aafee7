import { z } from 'zod';

const number = (fallback: number) => z.coerce.number().finite().min(0).default(fallback);

export const emulatorConfigSchema = z.object({
  PORT: z.coerce.number().int().min(1).max(65_535).default(8080),
  /** Comma-separated model ids the emulator answers for. */
  LLM_EMULATOR_MODELS: z.string().default('ritual-emulator-1'),
  /** When set, requests must carry `Authorization: Bearer <this>`; otherwise any key is accepted. */
  LLM_EMULATOR_API_KEY: z.string().optional(),
  LLM_LATENCY_MEDIAN_MS: number(250),
  LLM_LATENCY_P99_MS: number(1200),
  /** Fraction of completions answered with a 500 in OpenAI's error shape. */
  LLM_ERROR_RATE: z.coerce.number().min(0).max(1).default(0),
  ADMIN_TOKEN: z.string().optional(),
});

export type EmulatorEnv = z.infer<typeof emulatorConfigSchema>;

export interface EmulatorConfig {
  port: number;
  models: string[];
  apiKey: string | undefined;
  latency: { medianMs: number; p99Ms: number };
  errorRate: number;
  adminToken: string | undefined;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): EmulatorConfig {
  const parsed = emulatorConfigSchema.safeParse(env);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((issue) => issue.path.join('.')).join(', ');
    throw new Error(`llm-emulator: invalid environment (${fields}) — see services/llm-emulator/README.md`);
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    models: e.LLM_EMULATOR_MODELS.split(',')
      .map((m) => m.trim())
      .filter(Boolean),
    apiKey: e.LLM_EMULATOR_API_KEY || undefined,
    latency: { medianMs: e.LLM_LATENCY_MEDIAN_MS, p99Ms: e.LLM_LATENCY_P99_MS },
    errorRate: e.LLM_ERROR_RATE,
    adminToken: e.ADMIN_TOKEN || undefined,
  };
}
