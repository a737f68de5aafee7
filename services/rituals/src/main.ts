// Started as `node --import @telemetry-kit/telemetry/register src/main.ts`.
import { runService, startFeatureFlags } from '@telemetry-kit/service-kit';
import { buildRitualsApp } from './app.ts';
import { ritualsConfig } from './config.ts';
import { RitualGenerator } from './generator.ts';
import { RitualWriter } from './llm.ts';
import { ritualMetrics } from './metrics.ts';
import { RitualStorage } from './storage.ts';
import { espeakVersion, synthesise } from './synthesis.ts';

await runService({
  name: 'rituals',
  config: ritualsConfig,
  async build({ config, telemetry, faults, onShutdown }) {
    const flags = await startFeatureFlags({ file: config.FLAGS_FILE, logger: telemetry.logger });
    onShutdown(() => flags.close());
    const storage = new RitualStorage(config.RITUALS_DATA_DIR);
    await storage.init();
    const writer = new RitualWriter({
      baseUrl: config.LLM_BASE_URL,
      model: config.LLM_MODEL,
      apiKey: config.LLM_API_KEY,
      timeoutMs: config.LLM_TIMEOUT_MS,
      maxTokens: config.LLM_MAX_TOKENS,
    });
    const generator = new RitualGenerator({
      writer,
      synthesise,
      synthesis: {
        voice: config.ESPEAK_VOICE,
        wordsPerMinute: config.ESPEAK_WPM,
        timeoutMs: config.SYNTHESIS_TIMEOUT_MS,
      },
      storage,
      metrics: ritualMetrics(telemetry, [config.LLM_MODEL]),
    });

    // Every replica shares the model: its outage answers 503 (or 504) on generation, and must
    // not take the replicas (and the rituals already written) out of service.
    telemetry.addReadinessCheck({
      name: 'llm',
      required: false,
      check: () => writer.check(),
      timeoutMs: 2500,
    });
    telemetry.addReadinessCheck({ name: 'espeak-ng', check: () => espeakVersion(), timeoutMs: 2000 });
    telemetry.addReadinessCheck({ name: 'storage', check: () => storage.check() });

    return buildRitualsApp({
      generator,
      storage,
      telemetry,
      flags,
      faults,
      adminToken: config.ADMIN_TOKEN,
      onGenerationFailure: (error) =>
        telemetry.logger.warn(
          { stage: error.stage, llm_outcome: error.llmOutcome, err: error.cause },
          'ritual generation failed',
        ),
    });
  },
});
