import { serviceEnv } from '@telemetry-kit/service-kit';
import { z } from 'zod';

const number = (fallback: number) => z.coerce.number().finite().min(0).default(fallback);

/** The emulator's environment (documented in README.md), shaped for the app. */
export const emulatorConfig = z
  .object({
    ...serviceEnv,
    /** Comma-separated model ids the emulator answers for. */
    LLM_EMULATOR_MODELS: z.string().default('ritual-emulator-1'),
    /** When set, requests must carry `Authorization: Bearer <this>`; otherwise any key is accepted. */
    LLM_EMULATOR_API_KEY: z.string().optional(),
    LLM_LATENCY_MEDIAN_MS: number(250),
    LLM_LATENCY_P99_MS: number(1200),
    /** Fraction of completions answered with a 500 in OpenAI's error shape. */
    LLM_ERROR_RATE: z.coerce.number().min(0).max(1).default(0),
  })
  .transform((e) => ({
    PORT: e.PORT,
    ADMIN_TOKEN: e.ADMIN_TOKEN || undefined,
    models: e.LLM_EMULATOR_MODELS.split(',')
      .map((m) => m.trim())
      .filter(Boolean),
    apiKey: e.LLM_EMULATOR_API_KEY || undefined,
    latency: { medianMs: e.LLM_LATENCY_MEDIAN_MS, p99Ms: e.LLM_LATENCY_P99_MS },
    errorRate: e.LLM_ERROR_RATE,
  }));

export type EmulatorConfig = z.output<typeof emulatorConfig>;
