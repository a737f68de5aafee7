import type { AddressInfo } from 'node:net';
import { FaultInjector } from '@telemetry-kit/service-kit';
import { badInputCorpus, runBadInputCorpus } from '@telemetry-kit/service-kit/testing';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEmulatorApp } from '../src/app.ts';
import { completionText, countTokens } from '../src/completion.ts';
import type { EmulatorConfig } from '../src/config.ts';
import { emulatorConfig } from '../src/config.ts';
import { sampleLatencyMs } from '../src/latency.ts';

const config = (overrides: Partial<EmulatorConfig> = {}): EmulatorConfig => ({
  ...emulatorConfig.parse({}),
  latency: { medianMs: 0, p99Ms: 0 },
  ...overrides,
});
const app = (overrides: Partial<EmulatorConfig> = {}) =>
  buildEmulatorApp({ config: config(overrides), faults: new FaultInjector() });
const request = { model: 'ritual-emulator-1', messages: [{ role: 'user', content: 'a calm morning' }] };

describe('deterministic completions', () => {
  it('gives the same text for the same model and messages', () => {
    const messages = [{ role: 'user', content: 'a calm morning' }];
    expect(completionText('m', messages)).toEqual(completionText('m', messages));
  });

  it('gives different text for different messages', () => {
    const a = completionText('m', [{ role: 'user', content: 'a calm morning' }]).text;
    const b = completionText('m', [{ role: 'user', content: 'a brave evening' }]).text;
    expect(a).not.toBe(b);
  });

  it('stops at the token budget with finish_reason length', () => {
    const long = completionText('m', [{ role: 'user', content: 'x' }], 2000);
    const short = completionText('m', [{ role: 'user', content: 'x' }], 10);
    expect(short.finishReason).toBe('length');
    expect(countTokens(short.text)).toBeLessThan(countTokens(long.text));
  });
});

describe('the latency distribution', () => {
  it('is the median when the normal sample is zero', () => {
    const uniforms = [0.5, 0.25]; // Box–Muller: cos(2π·0.25) = 0
    expect(sampleLatencyMs({ medianMs: 300, p99Ms: 1500 }, () => uniforms.shift() ?? 0.5)).toBe(300);
  });

  it('puts the 99th percentile of many samples near the configured p99', () => {
    const samples = Array.from({ length: 20_000 }, () =>
      sampleLatencyMs({ medianMs: 200, p99Ms: 1000 }),
    ).sort((a, b) => a - b);
    const p50 = samples[10_000] ?? 0;
    const p99 = samples[19_800] ?? 0;
    expect(p50).toBeGreaterThan(170);
    expect(p50).toBeLessThan(230);
    expect(p99).toBeGreaterThan(800);
    expect(p99).toBeLessThan(1250);
  });

  it('is a fixed delay when median equals p99, and none when zero', () => {
    expect(sampleLatencyMs({ medianMs: 50, p99Ms: 50 })).toBe(50);
    expect(sampleLatencyMs({ medianMs: 0, p99Ms: 100 })).toBe(0);
  });
});

describe('the chat-completions endpoint', () => {
  it('answers in the OpenAI response shape with token usage', async () => {
    const response = await app().inject({ method: 'POST', url: '/v1/chat/completions', payload: request });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.object).toBe('chat.completion');
    expect(body.choices[0].message.role).toBe('assistant');
    expect(body.choices[0].message.content.length).toBeGreaterThan(20);
    expect(body.usage.total_tokens).toBe(body.usage.prompt_tokens + body.usage.completion_tokens);
  });

  it('fails at the configured error rate with an OpenAI-style error body', async () => {
    const response = await app({ errorRate: 1 }).inject({
      method: 'POST',
      url: '/v1/chat/completions',
      payload: request,
    });
    expect(response.statusCode).toBe(500);
    expect(response.json().error.code).toBe('server_error');
  });

  it('answers 404 for a model it does not serve', async () => {
    const response = await app().inject({
      method: 'POST',
      url: '/v1/chat/completions',
      payload: { ...request, model: 'gpt-unknown' },
    });
    expect(response.statusCode).toBe(404);
  });

  it('requires the API key when one is configured', async () => {
    const emulator = app({ apiKey: 'sk-emulator-test-key' });
    const without = await emulator.inject({ method: 'POST', url: '/v1/chat/completions', payload: request });
    expect(without.statusCode).toBe(401);
    const withKey = await emulator.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      payload: request,
      headers: { authorization: 'Bearer sk-emulator-test-key' },
    });
    expect(withKey.statusCode).toBe(200);
  });

  it('refuses the bad-input corpus with 4xx JSON errors', async () => {
    await runBadInputCorpus(app(), { method: 'POST', url: '/v1/chat/completions' }, badInputCorpus(request));
  });
});

describe('compatibility with the openai client', () => {
  const emulator = app({ apiKey: 'sk-emulator-test-key' });
  let client: OpenAI;

  beforeAll(async () => {
    await emulator.listen({ port: 0, host: '127.0.0.1' });
    const { port } = emulator.server.address() as AddressInfo;
    client = new OpenAI({
      baseURL: `http://127.0.0.1:${port}/v1`,
      apiKey: 'sk-emulator-test-key',
      maxRetries: 0,
    });
  });
  afterAll(() => emulator.close());

  it('lists its models and completes a chat through the official client', async () => {
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toContain('ritual-emulator-1');
    const completion = await client.chat.completions.create({
      model: 'ritual-emulator-1',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'a calm morning' }],
    });
    expect(completion.choices[0]?.message.content).toMatch(/\w+/);
    expect(completion.usage?.completion_tokens).toBeGreaterThan(0);
  });
});
