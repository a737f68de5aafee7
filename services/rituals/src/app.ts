import type { FaultInjector, FeatureFlags } from '@telemetry-kit/service-kit';
import { createServiceApp, HttpError, parseInput, text } from '@telemetry-kit/service-kit';
import type { Telemetry } from '@telemetry-kit/telemetry';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { GenerationChoice, RitualGenerator } from './generator.ts';
import { DEFAULT_CHOICE, RitualGenerationError } from './generator.ts';
import type { RitualRecord, RitualStorage } from './storage.ts';

// userId: the gateway's authenticated user, for the flags' fractional targeting only (never stored
// with the ritual, logged or recorded on a span).
const generateSchema = z.strictObject({ intention: text({ min: 3, max: 280 }), userId: z.uuid().optional() });
const idParams = z.strictObject({ id: z.uuid() });

export interface RitualsDeps {
  /** Absent in unit tests (they use inject). */
  telemetry?: Telemetry | undefined;
  generator: Pick<RitualGenerator, 'generate'>;
  storage: RitualStorage;
  faults: FaultInjector;
  /** The LLM kill switch and the ritual length; absent in unit tests (the definition's defaults). */
  flags?: FeatureFlags | undefined;
  adminToken?: string | undefined;
  /** Generation failures (LLM or synthesis): reported, then answered 502. */
  onGenerationFailure?: (error: RitualGenerationError) => void;
  onUnexpectedError?: (error: unknown) => void;
}

const present = (record: RitualRecord) => ({ ...record, audioUrl: `/rituals/${record.id}/audio` });

/** The flags of one generation, evaluated on the request's server span (feature_flag.evaluation events). */
async function choose(
  flags: FeatureFlags | undefined,
  userId: string | undefined,
): Promise<GenerationChoice> {
  if (!flags) return DEFAULT_CHOICE;
  const [killSwitch, length] = await Promise.all([
    flags.evaluate('rituals-llm-kill-switch'),
    flags.evaluate('ritual-length', { userId }),
  ]);
  return { stored: killSwitch.value, length: length.variant };
}

export function buildRitualsApp(deps: RitualsDeps): FastifyInstance {
  const app = createServiceApp({
    telemetry: deps.telemetry,
    faults: deps.faults,
    adminToken: deps.adminToken,
    onUnexpectedError: deps.onUnexpectedError,
  });

  app.post('/rituals', async (request, reply) => {
    const { intention, userId } = parseInput(generateSchema, request.body);
    const choice = await choose(deps.flags, userId);
    try {
      const record = await deps.generator.generate(intention, choice);
      return reply.code(201).send(present(record));
    } catch (error) {
      if (!(error instanceof RitualGenerationError)) throw error;
      deps.onGenerationFailure?.(error);
      const code = error.stage === 'llm' ? 'llm_unavailable' : 'synthesis_failed';
      const status = error.llmOutcome === 'timeout' ? 504 : 502;
      throw new HttpError(status, code, error.message);
    }
  });

  app.get('/rituals/:id', async (request) => {
    const { id } = parseInput(idParams, request.params, 'path');
    const record = await deps.storage.get(id);
    if (!record) throw new HttpError(404, 'ritual_not_found', 'no ritual with this id');
    return present(record);
  });

  app.get('/rituals/:id/audio', async (request, reply) => {
    const { id } = parseInput(idParams, request.params, 'path');
    const record = await deps.storage.get(id);
    if (!record) throw new HttpError(404, 'ritual_not_found', 'no ritual with this id');
    return reply
      .header('content-type', 'audio/wav')
      .header('cache-control', 'public, max-age=86400, immutable')
      .send(deps.storage.openAudio(id));
  });

  return app;
}
