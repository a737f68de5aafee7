import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { FaultInjector } from '@telemetry-kit/service-kit';
import { badInputCorpus, runBadInputCorpus } from '@telemetry-kit/service-kit/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildRitualsApp } from '../src/app.ts';
import type { RitualMetrics } from '../src/generator.ts';
import { RitualGenerator } from '../src/generator.ts';
import type { LlmResult } from '../src/llm.ts';
import { LlmCallError } from '../src/llm.ts';
import { RitualStorage } from '../src/storage.ts';
import { synthesise, wavDurationSeconds } from '../src/synthesis.ts';
import { silentWav } from './silent-wav.ts';

const hasEspeak = (() => {
  try {
    execFileSync('espeak-ng', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
// CI installs espeak-ng (.ci/run); elsewhere the synthesis tests say why they skip.
const describeWithEspeak = hasEspeak || process.env.CI === 'true' ? describe : describe.skip;

const synthesis = { voice: 'en-us', wordsPerMinute: 170, timeoutMs: 20_000 };

class RecordingMetrics implements RitualMetrics {
  readonly events: string[] = [];
  llmCall(model: string, outcome: string) {
    this.events.push(`llm:${model}:${outcome}`);
  }
  tokens(_model: string, type: string, count: number) {
    this.events.push(`tokens:${type}:${count}`);
  }
  audio(outcome: string) {
    this.events.push(`audio:${outcome}`);
  }
  ritual(outcome: string) {
    this.events.push(`ritual:${outcome}`);
  }
}

const writer = (result: Partial<LlmResult> | Error) => ({
  model: 'ritual-emulator-1',
  async write(): Promise<LlmResult> {
    if (result instanceof Error) throw result;
    return {
      text: 'Breathe in slowly. Breathe out.',
      model: 'ritual-emulator-1',
      inputTokens: 12,
      outputTokens: 6,
      ...result,
    };
  },
});

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'rituals-test-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describeWithEspeak(
  `speech synthesis with espeak-ng${hasEspeak ? '' : ' (skipped: espeak-ng not installed — apt-get install espeak-ng)'}`,
  () => {
    it('writes a playable WAV whose duration grows with the text', async () => {
      await synthesise('Breathe in.', path.join(dir, 'short.wav'), synthesis);
      await synthesise(
        'Breathe in for four counts, hold for four, and breathe out for six, three times, slowly.',
        path.join(dir, 'long.wav'),
        synthesis,
      );
      const short = wavDurationSeconds(await readFile(path.join(dir, 'short.wav')));
      const long = wavDurationSeconds(await readFile(path.join(dir, 'long.wav')));
      expect(short).toBeGreaterThan(0.3);
      expect(long).toBeGreaterThan(short * 2);
    });

    it('speaks text that looks like options or shell syntax as plain words', async () => {
      const out = path.join(dir, 'odd.wav');
      await synthesise('--version -w /etc/passwd $(rm -rf /) ; echo', out, synthesis);
      expect((await stat(out)).size).toBeGreaterThan(1000);
    });

    it('generates a ritual end to end: text, audio, stored record, metrics', async () => {
      const metrics = new RecordingMetrics();
      const storage = new RitualStorage(dir);
      const generator = new RitualGenerator({ writer: writer({}), synthesise, synthesis, storage, metrics });
      const record = await generator.generate('calm');
      expect(record.audioSeconds).toBeGreaterThan(0.5);
      expect(await storage.get(record.id)).toEqual(record);
      expect(metrics.events).toEqual([
        'llm:ritual-emulator-1:success',
        'tokens:input:12',
        'tokens:output:6',
        'audio:success',
        'ritual:success',
      ]);
    });
  },
);

describe('ritual generation failures', () => {
  it('counts an LLM timeout as llm_error with outcome timeout, and answers 504', async () => {
    const metrics = new RecordingMetrics();
    const generator = new RitualGenerator({
      writer: writer(new LlmCallError('timeout', 'timed out', undefined)),
      synthesise,
      synthesis,
      storage: new RitualStorage(dir),
      metrics,
    });
    const app = buildRitualsApp({ generator, storage: new RitualStorage(dir), faults: new FaultInjector() });
    const response = await app.inject({ method: 'POST', url: '/rituals', payload: { intention: 'calm' } });
    expect(response.statusCode).toBe(504);
    expect(response.json().error.code).toBe('llm_timeout');
    expect(metrics.events).toEqual(['llm:ritual-emulator-1:timeout', 'ritual:llm_error']);
  });

  it('counts a failed synthesis as synthesis_error, answers 502 and leaves no audio behind', async () => {
    const metrics = new RecordingMetrics();
    const storage = new RitualStorage(dir);
    const generator = new RitualGenerator({
      writer: writer({}),
      synthesise: async () => {
        throw new Error('espeak-ng exited 1');
      },
      synthesis,
      storage,
      metrics,
    });
    const app = buildRitualsApp({ generator, storage, faults: new FaultInjector() });
    const response = await app.inject({ method: 'POST', url: '/rituals', payload: { intention: 'calm' } });
    expect(response.statusCode).toBe(502);
    expect(response.json().error.code).toBe('synthesis_failed');
    expect(metrics.events.slice(-2)).toEqual(['audio:error', 'ritual:synthesis_error']);
    expect(await readdir(dir)).toEqual([]);
  });
});

describe('the rituals API', () => {
  it('answers 404 for an unknown ritual and 400 for an id that is not a UUID', async () => {
    const storage = new RitualStorage(dir);
    const app = buildRitualsApp({
      generator: {
        generate: async () => {
          throw new Error('unused');
        },
      },
      storage,
      faults: new FaultInjector(),
    });
    expect(
      (await app.inject({ method: 'GET', url: '/rituals/6f1c8a52-7d4e-4a36-9d89-2b1f0c4b9e11' })).statusCode,
    ).toBe(404);
    expect(
      (await app.inject({ method: 'GET', url: '/rituals/..%2F..%2Fetc%2Fpasswd/audio' })).statusCode,
    ).toBe(400);
  });

  it('refuses the bad-input corpus', async () => {
    const storage = new RitualStorage(dir);
    const generator = new RitualGenerator({
      writer: writer({}),
      synthesise: silentWav,
      synthesis,
      storage,
      metrics: new RecordingMetrics(),
    });
    const app = buildRitualsApp({ generator, storage, faults: new FaultInjector() });
    await runBadInputCorpus(
      app,
      { method: 'POST', url: '/rituals' },
      badInputCorpus({ intention: 'a calm morning' }),
    );
  });
});
