import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FaultInjector } from '@telemetry-kit/service-kit';
import { createServiceApp, HttpError, parseInput, secretsEqual, text } from '@telemetry-kit/service-kit';
import type { Telemetry } from '@telemetry-kit/telemetry';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { completionText, countTokens } from './completion.ts';
import type { EmulatorConfig } from './config.ts';
import { sampleLatencyMs } from './latency.ts';

const messageSchema = z.strictObject({
  role: z.enum(['system', 'developer', 'user', 'assistant']),
  content: text({ max: 8000, multiline: true }),
  name: z.string().max(64).optional(),
});

/** The subset of OpenAI's chat-completions request the emulator honours; anything else is a 400, as upstream. */
const chatCompletionRequestSchema = z.strictObject({
  model: z.string().min(1).max(200),
  messages: z.array(messageSchema).min(1).max(50),
  max_tokens: z.number().int().min(1).max(4096).optional(),
  max_completion_tokens: z.number().int().min(1).max(4096).optional(),
  temperature: z.number().min(0).max(2).optional(),
  top_p: z.number().min(0).max(1).optional(),
  n: z.literal(1).optional(),
  seed: z.number().int().optional(),
  stream: z.literal(false).optional(),
  user: z.string().max(256).optional(),
  stop: z.union([z.string().max(64), z.array(z.string().max(64)).max(4)]).optional(),
  presence_penalty: z.number().min(-2).max(2).optional(),
  frequency_penalty: z.number().min(-2).max(2).optional(),
});

export interface EmulatorDeps {
  /** Absent in unit tests (they use inject). */
  telemetry?: Telemetry | undefined;
  config: EmulatorConfig;
  faults: FaultInjector;
  random?: () => number;
}

export function buildEmulatorApp(deps: EmulatorDeps): FastifyInstance {
  const { config } = deps;
  const random = deps.random ?? Math.random;
  const app = createServiceApp({
    telemetry: deps.telemetry,
    faults: deps.faults,
    adminToken: config.ADMIN_TOKEN,
    bodyLimit: 256 * 1024,
  });

  const authorise = async (request: { headers: Record<string, unknown> }) => {
    if (!config.apiKey) return;
    const presented = request.headers.authorization;
    if (typeof presented !== 'string' || !secretsEqual(presented, `Bearer ${config.apiKey}`)) {
      throw new HttpError(401, 'invalid_api_key', 'incorrect API key provided');
    }
  };

  app.get('/v1/models', { onRequest: authorise }, async () => ({
    object: 'list',
    data: config.models.map((id) => ({ id, object: 'model', created: 0, owned_by: 'telemetry-kit' })),
  }));

  app.post('/v1/chat/completions', { onRequest: authorise }, async (request) => {
    const body = parseInput(chatCompletionRequestSchema, request.body);
    if (!config.models.includes(body.model)) {
      throw new HttpError(404, 'model_not_found', 'the model does not exist on this emulator');
    }
    await sleep(sampleLatencyMs(config.latency, random));
    if (config.errorRate > 0 && random() < config.errorRate) {
      throw new HttpError(
        500,
        'server_error',
        'the emulator failed this completion on purpose (LLM_ERROR_RATE)',
      );
    }
    const maxTokens = body.max_completion_tokens ?? body.max_tokens ?? 120;
    const { text: content, finishReason } = completionText(body.model, body.messages, maxTokens);
    const promptTokens = body.messages.reduce((sum, m) => sum + countTokens(m.content) + 4, 0);
    const completionTokens = countTokens(content);
    return {
      id: `chatcmpl-${randomUUID()}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: body.model,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content, refusal: null },
          logprobs: null,
          finish_reason: finishReason,
        },
      ],
      usage: {
        prompt_tokens: promptTokens,
        completion_tokens: completionTokens,
        total_tokens: promptTokens + completionTokens,
      },
    };
  });

  return app;
}
