import type { FaultInjector, FeatureFlags } from '@telemetry-kit/service-kit';
import { createServiceApp, errorBody, HttpError, parseInput, text } from '@telemetry-kit/service-kit';
import type { Telemetry } from '@telemetry-kit/telemetry';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { GenerationChoice, RitualGenerator } from './generator.ts';
import { DEFAULT_CHOICE, RitualGenerationError } from './generator.ts';
import type { LlmFailure } from './llm.ts';
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
  /** Generation failures: reported, then answered 503/504 (the model, with Retry-After) or 502 (synthesis). */
  onGenerationFailure?: (error: RitualGenerationError) => void;
}

/** The model's failures as answers: too slow is a 504, failing or paused (circuit open) a 503. */
const LLM_FAILURE_ANSWERS: Record<LlmFailure, { status: 503 | 504; code: string }> = {
  timeout: { status: 504, code: 'llm_timeout' },
  error: { status: 503, code: 'llm_unavailable' },
  circuit_open: { status: 503, code: 'llm_circuit_open' },
};

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
      if (error.stage === 'synthesis') throw new HttpError(502, 'synthesis_failed', error.message);
      const { status, code } = LLM_FAILURE_ANSWERS[error.llmOutcome ?? 'error'];
      // Retry-After in whole seconds (RFC 9110), at least 1: a 0 would invite an immediate retry.
      const retryAfter = Math.max(1, Math.ceil((error.retryAfterMs ?? 1000) / 1000));
      return reply
        .code(status)
        .header('retry-after', String(retryAfter))
        .send(errorBody(code, error.message));
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
