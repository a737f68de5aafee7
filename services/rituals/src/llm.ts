import { setTimeout as sleep } from 'node:timers/promises';
import type { Span } from '@opentelemetry/api';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Backoff } from '@telemetry-kit/service-kit';
import { backoffMs, classifyFetchError } from '@telemetry-kit/service-kit';
import OpenAI, { APIConnectionTimeoutError } from 'openai';
import type { CircuitState } from './circuit-breaker.ts';
import { CircuitBreaker, CircuitOpenError } from './circuit-breaker.ts';
import type { RitualLength } from './generator.ts';

export interface LlmConfig {
  baseUrl: string;
  model: string;
  apiKey: string;
  /** The rituals deadline for the model: past it the call is abandoned and the request answered 504. */
  timeoutMs: number;
  maxTokens: number;
}

/** How an LLM call ended; the `outcome` label of gen_ai_client_operation_duration_seconds. */
export type LlmOutcome = 'success' | 'error' | 'timeout';
/** Why no text came back: the call failed or timed out, or the open circuit refused to make it. */
export type LlmFailure = Exclude<LlmOutcome, 'success'> | 'circuit_open';

export interface LlmResult {
  text: string;
  model: string;
  inputTokens: number;
  outputTokens: number;
}

export class LlmCallError extends Error {
  readonly outcome: LlmFailure;
  /** When the caller may try again: the circuit's remaining open time, or its whole open period. */
  readonly retryAfterMs: number | undefined;
  constructor(outcome: LlmFailure, message: string, cause: unknown, retryAfterMs?: number) {
    super(message, { cause });
    this.name = 'LlmCallError';
    this.outcome = outcome;
    this.retryAfterMs = retryAfterMs;
  }
}

const tracer = trace.getTracer('@telemetry-kit/rituals');

/** Between two tries to reach a model that refused the connection: at most 400 ms. */
const RECONNECT_BACKOFF: Backoff = { baseDelayMs: 50, maxDelayMs: 400 };

/** The deadline passed with the model refusing every connection: it is down, not slow (503, not 504). */
class ModelUnreachableError extends Error {
  constructor(cause: unknown) {
    super('the model refused every connection until the deadline', { cause });
    this.name = 'ModelUnreachableError';
  }
}

/**
 * Sends the call again for as long as nothing reached the model (connection refused, name not
 * resolvable: a provider restarting) and the deadline allows, after a jittered, growing wait. A call
 * that reached the model, answered or not, is not sent again: it may be charged.
 */
async function whileNotConnected<T>(deadline: AbortSignal, call: () => Promise<T>): Promise<T> {
  let refused: unknown;
  for (let retry = 0; ; retry++) {
    try {
      return await call();
    } catch (error) {
      // Cut short by the deadline after refusals: the attempt in flight most likely met the same.
      if (deadline.aborted && refused !== undefined) throw new ModelUnreachableError(refused);
      if (deadline.aborted || classifyFetchError(error) !== 'not_connected') throw error;
      refused = error;
      await sleep(backoffMs(RECONNECT_BACKOFF, retry), undefined, { signal: deadline }).catch(() => {
        throw new ModelUnreachableError(error);
      });
    }
  }
}

/** The instructions per ritual length (the `ritual-length` flag's variants). */
const SYSTEM_PROMPTS: Record<RitualLength, string> = {
  standard:
    'You write short spoken rituals: two to four calm sentences in the second person, no lists, no emoji.',
  extended:
    'You write spoken rituals: five to seven calm sentences in the second person, no lists, no emoji.',
};
/** An extended ritual may use this many times the configured token budget. */
const TOKEN_BUDGET: Record<RitualLength, number> = { standard: 1, extended: 2 };

/**
 * Writes a ritual's text with an OpenAI-compatible chat-completions API. The call is one CLIENT
 * span named `chat <model>` with GenAI semantic-convention attributes; the prompt and the answer
 * are not recorded (they are user content). Calls go through a circuit breaker: while the model
 * keeps failing, no call is made (LlmCallError `circuit_open`, no span).
 */
export class RitualWriter {
  readonly #client: OpenAI;
  readonly #config: LlmConfig;
  readonly #breaker: CircuitBreaker;
  readonly #serverAddress: string;
  readonly #serverPort: number;

  constructor(config: LlmConfig, breaker: CircuitBreaker = new CircuitBreaker()) {
    this.#config = config;
    this.#breaker = breaker;
    this.#client = new OpenAI({
      baseURL: config.baseUrl,
      apiKey: config.apiKey,
      timeout: config.timeoutMs,
      maxRetries: 0,
    });
    const url = new URL(config.baseUrl);
    this.#serverAddress = url.hostname;
    this.#serverPort = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  }

  get model(): string {
    return this.#config.model;
  }

  get circuitState(): CircuitState {
    return this.#breaker.state;
  }

  /** Readiness: the provider answers its model list. */
  async check(): Promise<void> {
    await this.#client.models.list({ timeout: 2000 });
  }

  async write(intention: string, length: RitualLength): Promise<LlmResult> {
    try {
      return await this.#breaker.run(() => this.#call(intention, length));
    } catch (error) {
      if (error instanceof CircuitOpenError) {
        throw new LlmCallError('circuit_open', error.message, error, error.retryAfterMs);
      }
      if (error instanceof LlmCallError) {
        throw new LlmCallError(error.outcome, error.message, error.cause, this.#breaker.retryAfterMs);
      }
      throw error;
    }
  }

  async #call(intention: string, length: RitualLength): Promise<LlmResult> {
    const { model, timeoutMs } = this.#config;
    const maxTokens = this.#config.maxTokens * TOKEN_BUDGET[length];
    return tracer.startActiveSpan(
      `chat ${model}`,
      {
        kind: SpanKind.CLIENT,
        attributes: {
          'gen_ai.operation.name': 'chat',
          'gen_ai.provider.name': 'openai',
          'gen_ai.system': 'openai',
          'gen_ai.request.model': model,
          'gen_ai.request.max_tokens': maxTokens,
          'server.address': this.#serverAddress,
          'server.port': this.#serverPort,
        },
      },
      async (span: Span) => {
        // The SDK's own timeout as well as this one: the deadline holds however the SDK counts time.
        const deadline = AbortSignal.timeout(timeoutMs);
        try {
          const completion = await whileNotConnected(deadline, () =>
            this.#client.chat.completions.create(
              {
                model,
                max_tokens: maxTokens,
                messages: [
                  { role: 'system', content: SYSTEM_PROMPTS[length] },
                  { role: 'user', content: `Write a ritual for this intention: ${intention}` },
                ],
              },
              { signal: deadline },
            ),
          );
          const choice = completion.choices[0];
          const text = choice?.message.content?.trim() ?? '';
          if (!text) throw new Error('the model returned no text');
          const result: LlmResult = {
            text,
            model: completion.model,
            inputTokens: completion.usage?.prompt_tokens ?? 0,
            outputTokens: completion.usage?.completion_tokens ?? 0,
          };
          span.setAttributes({
            'gen_ai.response.id': completion.id,
            'gen_ai.response.model': completion.model,
            'gen_ai.response.finish_reasons': choice?.finish_reason ? [choice.finish_reason] : [],
            'gen_ai.usage.input_tokens': result.inputTokens,
            'gen_ai.usage.output_tokens': result.outputTokens,
          });
          return result;
        } catch (error) {
          const timedOut =
            !(error instanceof ModelUnreachableError) &&
            (error instanceof APIConnectionTimeoutError || deadline.aborted);
          const outcome = timedOut ? 'timeout' : 'error';
          const type = error instanceof Error ? error.constructor.name : 'Error';
          span.setAttribute('error.type', outcome === 'timeout' ? 'timeout' : type);
          span.setStatus({ code: SpanStatusCode.ERROR, message: `LLM call failed (${outcome})` });
          throw new LlmCallError(outcome, `the LLM call failed (${outcome}: ${type})`, error);
        } finally {
          span.end();
        }
      },
    );
  }
}
