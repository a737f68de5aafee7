import { randomUUID } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { SpanStatusCode, trace } from '@opentelemetry/api';
import type { VariantOf } from '@telemetry-kit/service-kit';
import { definitionDefault } from '@telemetry-kit/service-kit';
import type { CircuitState } from './circuit-breaker.ts';
import type { LlmFailure, LlmOutcome, LlmResult } from './llm.ts';
import { LlmCallError } from './llm.ts';
import type { RitualRecord, RitualStorage } from './storage.ts';
import { STORED_RITUAL_MODEL, storedRitual } from './stored-rituals.ts';
import type { SynthesisOptions } from './synthesis.ts';
import { wavDurationSeconds } from './synthesis.ts';

/** The variants of the `ritual-length` flag (flags/flags.flagd.json): how long a ritual is written. */
export type RitualLength = VariantOf<'ritual-length'>;

/** What the flags decided for one generation (app.ts evaluates them for the requesting user). */
export interface GenerationChoice {
  length: RitualLength;
  /** The LLM kill switch: a stored ritual instead of the model's text. */
  stored: boolean;
}

/** Without flags (unit tests): the definition's defaults. */
export const DEFAULT_CHOICE: GenerationChoice = {
  length: definitionDefault('ritual-length').variant,
  stored: definitionDefault('rituals-llm-kill-switch').value,
};

/** The rituals metrics of docs/metrics.md. */
export interface RitualMetrics {
  llmCall(model: string, outcome: LlmOutcome, seconds: number): void;
  tokens(model: string, type: 'input' | 'output', count: number): void;
  audio(outcome: 'success' | 'error', seconds: number): void;
  ritual(outcome: 'success' | 'llm_error' | 'synthesis_error', length: RitualLength): void;
  /** The circuit in front of the model, read at each scrape. */
  watchCircuit?(read: () => CircuitState): void;
}

export interface RitualGeneratorDeps {
  writer: {
    model: string;
    write(intention: string, length: RitualLength): Promise<LlmResult>;
    readonly circuitState?: CircuitState;
  };
  synthesise: (text: string, outFile: string, options: SynthesisOptions) => Promise<void>;
  synthesis: SynthesisOptions;
  storage: RitualStorage;
  metrics: RitualMetrics;
}

export class RitualGenerationError extends Error {
  readonly stage: 'llm' | 'synthesis';
  readonly llmOutcome: LlmFailure | undefined;
  /** When the model may be asked again (from its circuit breaker); LLM failures only. */
  readonly retryAfterMs: number | undefined;
  constructor(
    stage: 'llm' | 'synthesis',
    message: string,
    cause: unknown,
    llm?: { outcome: LlmFailure; retryAfterMs: number | undefined },
  ) {
    super(message, { cause });
    this.name = 'RitualGenerationError';
    this.stage = stage;
    this.llmOutcome = llm?.outcome;
    this.retryAfterMs = llm?.retryAfterMs;
  }
}

const tracer = trace.getTracer('@telemetry-kit/rituals');
const seconds = (since: number) => (performance.now() - since) / 1000;

/** Intention → text from the LLM → speech from espeak-ng → stored record and WAV. */
export class RitualGenerator {
  readonly #deps: RitualGeneratorDeps;

  constructor(deps: RitualGeneratorDeps) {
    this.#deps = deps;
    const { writer } = deps;
    if (writer.circuitState !== undefined) {
      deps.metrics.watchCircuit?.(() => writer.circuitState ?? 'closed');
    }
  }

  async generate(intention: string, choice: GenerationChoice = DEFAULT_CHOICE): Promise<RitualRecord> {
    const { metrics, storage } = this.#deps;
    const id = randomUUID();
    const written = choice.stored
      ? { text: storedRitual(intention, choice.length), model: STORED_RITUAL_MODEL }
      : await this.#write(intention, choice.length);

    const audioFile = storage.audioPath(id);
    const audioStart = performance.now();
    let audioSeconds: number;
    try {
      audioSeconds = await tracer.startActiveSpan('synthesise speech', async (span) => {
        span.setAttributes({
          'ritual.text.characters': written.text.length,
          'ritual.voice': this.#deps.synthesis.voice,
        });
        try {
          await this.#deps.synthesise(written.text, audioFile, this.#deps.synthesis);
          const duration = wavDurationSeconds(await readFile(audioFile));
          span.setAttribute('ritual.audio.seconds', duration);
          return duration;
        } catch (error) {
          span.setStatus({ code: SpanStatusCode.ERROR, message: 'speech synthesis failed' });
          span.setAttribute('error.type', error instanceof Error ? error.name : 'Error');
          throw error;
        } finally {
          span.end();
        }
      });
      metrics.audio('success', seconds(audioStart));
    } catch (error) {
      metrics.audio('error', seconds(audioStart));
      metrics.ritual('synthesis_error', choice.length);
      await rm(audioFile, { force: true });
      throw new RitualGenerationError('synthesis', 'the ritual audio could not be synthesised', error);
    }

    const record: RitualRecord = {
      id,
      intention,
      text: written.text,
      model: written.model,
      audioSeconds,
      createdAt: new Date().toISOString(),
    };
    await storage.save(record);
    metrics.ritual('success', choice.length);
    return record;
  }

  async #write(intention: string, length: RitualLength): Promise<LlmResult> {
    const { writer, metrics } = this.#deps;
    const llmStart = performance.now();
    try {
      const written = await writer.write(intention, length);
      metrics.llmCall(writer.model, 'success', seconds(llmStart));
      metrics.tokens(writer.model, 'input', written.inputTokens);
      metrics.tokens(writer.model, 'output', written.outputTokens);
      return written;
    } catch (error) {
      const outcome: LlmFailure = error instanceof LlmCallError ? error.outcome : 'error';
      const retryAfterMs = error instanceof LlmCallError ? error.retryAfterMs : undefined;
      // A call the open circuit refused never reached the model: no operation duration to record.
      if (outcome !== 'circuit_open') metrics.llmCall(writer.model, outcome, seconds(llmStart));
      metrics.ritual('llm_error', length);
      const message =
        outcome === 'circuit_open'
          ? 'the model is failing; ritual generation is paused'
          : 'the ritual text could not be written';
      throw new RitualGenerationError('llm', message, error, { outcome, retryAfterMs });
    }
  }
}
