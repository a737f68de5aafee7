import { variantsOf } from '@telemetry-kit/service-kit';
import type { Telemetry } from '@telemetry-kit/telemetry';
import type { CircuitState } from './circuit-breaker.ts';
import { CIRCUIT_STATES } from './circuit-breaker.ts';
import type { RitualMetrics } from './generator.ts';

/** Seconds: LLM calls take from tens of milliseconds (emulator) to tens of seconds (real providers). */
const GEN_AI_DURATION_BUCKETS = [
  0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
];
/** Tokens, as the GenAI semantic conventions advise. */
const TOKEN_BUCKETS = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576];
const AUDIO_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16];

/**
 * The rituals metrics of docs/metrics.md; model names are labels, so the configured model is the only value.
 * The Prometheus exporter in use does not append unit suffixes, so histograms in seconds carry
 * `_seconds` in their instrument name to get the catalogue's Prometheus names.
 */
export function ritualMetrics(telemetry: Telemetry, models: readonly string[]): RitualMetrics {
  const operationDuration = telemetry.histogram('gen_ai_client_operation_duration_seconds', {
    description: 'Duration of LLM calls',
    unit: 's',
    buckets: GEN_AI_DURATION_BUCKETS,
    labels: {
      'gen_ai.request.model': models,
      'gen_ai.operation.name': ['chat'],
      outcome: ['success', 'error', 'timeout'],
    },
  });
  const tokenUsage = telemetry.histogram('gen_ai.client.token.usage', {
    description: 'Tokens used per LLM call, by direction',
    unit: '{token}',
    buckets: TOKEN_BUCKETS,
    labels: { 'gen_ai.request.model': models, 'gen_ai.token.type': ['input', 'output'] },
  });
  const audioDuration = telemetry.histogram('ritual_audio_generation_duration_seconds', {
    description: 'Time to synthesise a ritual’s speech',
    unit: 's',
    buckets: AUDIO_BUCKETS,
    labels: { outcome: ['success', 'error'] },
  });
  // ritual_length: the `ritual-length` flag's variant, so the Experiments dashboard compares them; its
  // values are the definition's variants (flags/flags.flagd.json), never the user it was chosen for.
  const lengths = variantsOf('ritual-length');
  const generated = telemetry.counter('rituals.generated', {
    description: 'Ritual generations by outcome and ritual-length variant',
    labels: { outcome: ['success', 'llm_error', 'synthesis_error'], ritual_length: lengths },
  });
  for (const outcome of ['success', 'llm_error', 'synthesis_error'] as const) {
    for (const ritual_length of lengths) generated.add(0, { outcome, ritual_length });
  }

  // A state set: one series per state, 1 for the current one, so `== 1` and `max_over_time` both read
  // naturally; the label takes only the breaker's three states.
  let readCircuit: () => CircuitState = () => 'closed';
  telemetry.meter
    .createObservableGauge('rituals.llm.circuit.state', {
      description: 'The circuit breaker in front of the LLM: 1 for its current state, 0 for the others',
    })
    .addCallback((result) => {
      const current = readCircuit();
      for (const state of CIRCUIT_STATES) result.observe(state === current ? 1 : 0, { state });
    });

  return {
    watchCircuit: (read) => {
      readCircuit = read;
    },
    llmCall: (model, outcome, seconds) =>
      operationDuration.record(seconds, {
        'gen_ai.request.model': model,
        'gen_ai.operation.name': 'chat',
        outcome,
      }),
    tokens: (model, type, count) =>
      tokenUsage.record(count, { 'gen_ai.request.model': model, 'gen_ai.token.type': type }),
    audio: (outcome, seconds) => audioDuration.record(seconds, { outcome }),
    ritual: (outcome, ritual_length) => generated.add(1, { outcome, ritual_length }),
  };
}
