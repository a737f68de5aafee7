import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { FeatureFlags } from '@telemetry-kit/service-kit';
import { FaultInjector, startFeatureFlags } from '@telemetry-kit/service-kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildRitualsApp } from '../src/app.ts';
import type { CircuitState } from '../src/circuit-breaker.ts';
import { CircuitBreaker, RITUALS_CIRCUIT } from '../src/circuit-breaker.ts';
import type { RitualMetrics } from '../src/generator.ts';
import { RitualGenerator } from '../src/generator.ts';
import { RitualWriter } from '../src/llm.ts';
import { RitualStorage } from '../src/storage.ts';
import { STORED_RITUAL_MODEL } from '../src/stored-rituals.ts';
import { startFakeModel } from './fake-model.ts';
import { silentWav } from './silent-wav.ts';

const synthesis = { voice: 'en-us', wordsPerMinute: 150, timeoutMs: 5000 };
const quiet = { info() {}, warn() {}, error() {} };

let dir: string;
let model: Awaited<ReturnType<typeof startFakeModel>>;
let flags: FeatureFlags | undefined;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'rituals-llm-faults-'));
  model = await startFakeModel();
});
afterEach(async () => {
  await flags?.close();
  flags = undefined;
  await model.close();
  await rm(dir, { recursive: true, force: true });
});

/** The rituals app with the real writer against the fake model, a controllable clock and a short deadline. */
function ritualsApp(options: { flags?: FeatureFlags } = {}) {
  let now = 1_000_000;
  const breaker = new CircuitBreaker(RITUALS_CIRCUIT, { now: () => now });
  const writer = new RitualWriter(
    { baseUrl: model.baseUrl, model: 'ritual-emulator-1', apiKey: 'test', timeoutMs: 300, maxTokens: 64 },
    breaker,
  );
  const llmOutcomes: string[] = [];
  let readCircuit: () => CircuitState = () => 'closed';
  const metrics: RitualMetrics = {
    llmCall: (_model, outcome) => void llmOutcomes.push(outcome),
    tokens: () => undefined,
    audio: () => undefined,
    ritual: () => undefined,
    watchCircuit: (read) => {
      readCircuit = read;
    },
  };
  const storage = new RitualStorage(dir);
  const generator = new RitualGenerator({ writer, synthesise: silentWav, synthesis, storage, metrics });
  const app = buildRitualsApp({ generator, storage, flags: options.flags, faults: new FaultInjector() });
  return {
    breaker,
    llmOutcomes,
    circuit: () => readCircuit(),
    advance: (ms: number) => {
      now += ms;
    },
    generate: () => app.inject({ method: 'POST', url: '/rituals', payload: { intention: 'a calm morning' } }),
  };
}

describe('rituals when the model fails', () => {
  it('answers 503 llm_unavailable with Retry-After when the model errors', async () => {
    model.behaviour = 'failing';
    const { generate, llmOutcomes } = ritualsApp();
    const response = await generate();
    expect(response.statusCode).toBe(503);
    expect(response.json().error.code).toBe('llm_unavailable');
    expect(Number(response.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(llmOutcomes).toEqual(['error']);
  });

  it('answers 504 llm_timeout with Retry-After when the model does not answer within the deadline', async () => {
    model.behaviour = 'hanging';
    const { generate, llmOutcomes } = ritualsApp();
    const response = await generate();
    expect(response.statusCode).toBe(504);
    expect(response.json().error.code).toBe('llm_timeout');
    expect(Number(response.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(llmOutcomes).toEqual(['timeout']);
  });

  it(`opens the circuit after ${RITUALS_CIRCUIT.consecutiveFailures} failures in a row and stops calling the model`, async () => {
    model.behaviour = 'failing';
    const { generate, circuit } = ritualsApp();
    for (let i = 0; i < RITUALS_CIRCUIT.consecutiveFailures; i++) await generate();
    expect(circuit()).toBe('open');
    const refused = await generate();
    expect(refused.statusCode).toBe(503);
    expect(refused.json().error.code).toBe('llm_circuit_open');
    // The whole open period is left (the test clock did not move): Retry-After says so, in seconds.
    expect(refused.headers['retry-after']).toBe(String(RITUALS_CIRCUIT.openMs / 1000));
    for (let i = 0; i < 10; i++) await generate();
    expect(model.completions, 'calls that reached the model').toBe(RITUALS_CIRCUIT.consecutiveFailures);
  });

  it('counts timeouts as failures too', async () => {
    model.behaviour = 'hanging';
    const { generate, circuit } = ritualsApp();
    for (let i = 0; i < RITUALS_CIRCUIT.consecutiveFailures; i++) await generate();
    expect(circuit()).toBe('open');
    expect((await generate()).json().error.code).toBe('llm_circuit_open');
  });

  it('after the open period lets one probe through, and closes when the model answers again', async () => {
    model.behaviour = 'failing';
    const { generate, circuit, advance } = ritualsApp();
    for (let i = 0; i < RITUALS_CIRCUIT.consecutiveFailures; i++) await generate();
    advance(RITUALS_CIRCUIT.openMs);
    expect(circuit()).toBe('half_open');
    model.behaviour = 'healthy';
    const probe = await generate();
    expect(probe.statusCode).toBe(201);
    expect(circuit()).toBe('closed');
    expect((await generate()).statusCode).toBe(201);
    expect(model.completions).toBe(RITUALS_CIRCUIT.consecutiveFailures + 2);
  });

  it('opens again at once when the probe fails', async () => {
    model.behaviour = 'failing';
    const { generate, circuit, advance } = ritualsApp();
    for (let i = 0; i < RITUALS_CIRCUIT.consecutiveFailures; i++) await generate();
    advance(RITUALS_CIRCUIT.openMs);
    expect((await generate()).json().error.code).toBe('llm_unavailable');
    expect(circuit()).toBe('open');
    expect((await generate()).json().error.code).toBe('llm_circuit_open');
    expect(model.completions).toBe(RITUALS_CIRCUIT.consecutiveFailures + 1);
  });
});

describe('rituals when the model restarts', () => {
  /** The real writer against `baseUrl`, with the deadline given. */
  const writer = (baseUrl: string, timeoutMs: number) =>
    new RitualWriter({ baseUrl, model: 'ritual-emulator-1', apiKey: 'test', timeoutMs, maxTokens: 64 });
  /** Stops the fake model; its port then refuses connections. */
  const stopModel = async () => {
    const port = Number(new URL(model.baseUrl).port);
    await model.close();
    return port;
  };

  it('tries again while the model refuses connections, and answers once it listens within the deadline', async () => {
    const port = await stopModel();
    const written = writer(`http://127.0.0.1:${port}/v1`, 2000).write('calm', 'standard');
    await new Promise((resolve) => setTimeout(resolve, 300));
    model = await startFakeModel('healthy', port);
    await expect(written).resolves.toMatchObject({ text: 'Breathe in.' });
    expect(model.completions).toBe(1);
  });

  it('calls a model that refused until the deadline unavailable (503), not slow (504)', async () => {
    const port = await stopModel();
    await expect(writer(`http://127.0.0.1:${port}/v1`, 300).write('calm', 'standard')).rejects.toMatchObject({
      outcome: 'error',
    });
    model = await startFakeModel();
  });

  it('does not send again a call the model received and failed: it may have been charged', async () => {
    model.behaviour = 'failing';
    await expect(writer(model.baseUrl, 2000).write('calm', 'standard')).rejects.toMatchObject({
      outcome: 'error',
    });
    expect(model.completions).toBe(1);
  });
});

describe('the LLM kill switch against a real model client', () => {
  it('on: no request reaches the model, and rituals are served from the stored ones', async () => {
    const definition = JSON.parse(
      await readFile(path.resolve(import.meta.dirname, '../../../flags/flags.flagd.json'), 'utf8'),
    );
    definition.flags['rituals-llm-kill-switch'].defaultVariant = 'on';
    const file = path.join(dir, 'flags.json');
    await writeFile(file, JSON.stringify(definition));
    flags = await startFeatureFlags({ file, logger: quiet });
    const { generate } = ritualsApp({ flags });
    for (let i = 0; i < 3; i++) {
      const response = await generate();
      expect(response.statusCode).toBe(201);
      expect(response.json().model).toBe(STORED_RITUAL_MODEL);
    }
    expect(model.completions, 'completions asked of the model').toBe(0);
  });
});
