import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { FeatureFlags } from '@telemetry-kit/service-kit';
import { FaultInjector, startFeatureFlags } from '@telemetry-kit/service-kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildRitualsApp } from '../src/app.ts';
import type { RitualLength, RitualMetrics } from '../src/generator.ts';
import { RitualGenerator } from '../src/generator.ts';
import { RitualStorage } from '../src/storage.ts';
import { STORED_RITUAL_MODEL } from '../src/stored-rituals.ts';
import { silentWav } from './silent-wav.ts';

const USER = '7d0e4b2a-1c3f-4e5a-9b8c-0d1e2f3a4b5c';
const quiet = { info() {}, warn() {}, error() {} };

let dir: string;
let flags: FeatureFlags | undefined;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'rituals-flags-'));
});
afterEach(async () => {
  await flags?.close();
  await rm(dir, { recursive: true, force: true });
});

/** The repository's definition with the kill switch and ritual-length's split set as a test needs. */
async function flagsWith(killSwitch: 'on' | 'off', weights: Record<RitualLength, number>) {
  const definition = JSON.parse(
    await readFile(path.resolve(import.meta.dirname, '../../../flags/flags.flagd.json'), 'utf8'),
  );
  definition.flags['rituals-llm-kill-switch'].defaultVariant = killSwitch;
  definition.flags['ritual-length'].targeting = { fractional: Object.entries(weights) };
  const file = path.join(dir, 'flags.json');
  await writeFile(file, JSON.stringify(definition));
  flags = await startFeatureFlags({ file, logger: quiet });
  return flags;
}

function ritualsApp(evaluated: FeatureFlags) {
  const calls: Array<{ intention: string; length: RitualLength }> = [];
  const counted: string[] = [];
  const metrics: RitualMetrics = {
    llmCall: () => undefined,
    tokens: () => undefined,
    audio: () => undefined,
    ritual: (outcome, length) => void counted.push(`${outcome}:${length}`),
  };
  const writer = {
    model: 'ritual-emulator-1',
    async write(intention: string, length: RitualLength) {
      calls.push({ intention, length });
      return { text: 'Breathe in.', model: 'ritual-emulator-1', inputTokens: 5, outputTokens: 3 };
    },
  };
  const storage = new RitualStorage(dir);
  const generator = new RitualGenerator({
    writer,
    synthesise: silentWav,
    synthesis: { voice: 'en-us', wordsPerMinute: 150, timeoutMs: 5000 },
    storage,
    metrics,
  });
  const app = buildRitualsApp({ generator, storage, flags: evaluated, faults: new FaultInjector() });
  const generate = (body: object) => app.inject({ method: 'POST', url: '/rituals', payload: body });
  return { calls, counted, generate };
}

describe('the LLM kill switch', () => {
  it('on: serves a stored ritual and never calls the model', async () => {
    const { calls, counted, generate } = ritualsApp(await flagsWith('on', { standard: 100, extended: 0 }));
    const response = await generate({ intention: 'a calm morning', userId: USER });
    expect(response.statusCode).toBe(201);
    expect(response.json()).toMatchObject({ model: STORED_RITUAL_MODEL, intention: 'a calm morning' });
    expect(response.json().text.length).toBeGreaterThan(20);
    expect(calls).toEqual([]);
    expect(counted).toEqual(['success:standard']);
  });

  it('off: asks the model', async () => {
    const { calls, generate } = ritualsApp(await flagsWith('off', { standard: 100, extended: 0 }));
    const response = await generate({ intention: 'a calm morning', userId: USER });
    expect(response.json().model).toBe('ritual-emulator-1');
    expect(calls).toEqual([{ intention: 'a calm morning', length: 'standard' }]);
  });
});

describe('the ritual-length rollout', () => {
  it('writes the user’s variant and counts the ritual in it', async () => {
    const { calls, counted, generate } = ritualsApp(await flagsWith('off', { standard: 0, extended: 100 }));
    await generate({ intention: 'a calm morning', userId: USER });
    expect(calls.map((c) => c.length)).toEqual(['extended']);
    expect(counted).toEqual(['success:extended']);
  });

  it('gives a request without a user the definition’s default length', async () => {
    const { calls, generate } = ritualsApp(await flagsWith('off', { standard: 0, extended: 100 }));
    await generate({ intention: 'a calm morning' });
    expect(calls.map((c) => c.length)).toEqual(['standard']);
  });
});
