import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { REPO_ROOT } from '@telemetry-kit/observability-config/paths';
import { loadSettings } from '@telemetry-kit/observability-config/settings';
import { renderFlags } from '@telemetry-kit/observability-config/targets/flags';
import { afterEach, describe, expect, it } from 'vitest';
import { flagFile, until } from './helpers.ts';

/** 1,000 simulated users: fixed, well-spread UUIDs, so the test gives the same answer on every run. */
const USERS = Array.from({ length: 1000 }, (_, i) => {
  const hex = createHash('sha256').update(`simulated user ${i}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
});

/** A separate Node process evaluating flags through service-kit (evaluator-process.ts). */
class EvaluatorProcess {
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #waiting: Array<{ resolve: (line: string) => void; reject: (error: Error) => void }> = [];
  readonly stderr: string[] = [];

  constructor(flagsFile: string) {
    this.#child = spawn(process.execPath, [path.join(import.meta.dirname, 'evaluator-process.ts')], {
      env: { ...process.env, FLAGS_FILE: flagsFile },
    });
    createInterface({ input: this.#child.stdout }).on('line', (line) => this.#waiting.shift()?.resolve(line));
    createInterface({ input: this.#child.stderr }).on('line', (line) => void this.stderr.push(line));
    this.#child.on('exit', (code) => {
      const error = new Error(`evaluator exited ${code}: ${this.stderr.join('\n')}`);
      for (const waiting of this.#waiting.splice(0)) waiting.reject(error);
    });
  }

  #next(): Promise<string> {
    return new Promise((resolve, reject) => void this.#waiting.push({ resolve, reject }));
  }

  async ready(): Promise<this> {
    expect(await this.#next()).toBe('ready');
    return this;
  }

  /** The variant of `key` for each user, in order. */
  async variants(key: string, users: readonly string[]): Promise<string[]> {
    const answers = users.map(() => this.#next());
    this.#child.stdin.write(users.map((user) => `${key} ${user}\n`).join(''));
    return Promise.all(answers);
  }

  stop(): void {
    this.#child.kill();
  }
}

const running: EvaluatorProcess[] = [];
const startEvaluator = async (file: string) => {
  const evaluator = new EvaluatorProcess(file);
  running.push(evaluator);
  return evaluator.ready();
};
afterEach(() => {
  for (const evaluator of running.splice(0)) evaluator.stop();
});

const settings = loadSettings(REPO_ROOT);
const shares = (variants: string[]) => {
  const counts: Record<string, number> = {};
  for (const variant of variants) counts[variant] = (counts[variant] ?? 0) + 1;
  return Object.fromEntries(Object.entries(counts).map(([v, n]) => [v, (100 * n) / variants.length]));
};

describe('a live split of ritual-length over 1,000 users, in two service processes', () => {
  for (const env of ['production', 'development'] as const) {
    it(`lands within ±5 points of ${env}'s declared weights, each user in the same variant in both`, async () => {
      const declared = settings.environments[env].flags['ritual-length']?.weights ?? {};
      const { file } = flagFile(renderFlags(REPO_ROOT, settings, env));
      const [first, second] = await Promise.all([startEvaluator(file), startEvaluator(file)]);
      const inFirst = await first.variants('ritual-length', USERS);
      const inSecond = await second.variants('ritual-length', USERS);

      const moved = USERS.filter((_, i) => inFirst[i] !== inSecond[i]);
      expect(moved, 'users whose variant differs between the two processes').toEqual([]);
      const measured = shares(inFirst);
      console.info(`${env}: declared ${JSON.stringify(declared)}, measured ${JSON.stringify(measured)}`);
      for (const [variant, weight] of Object.entries(declared)) {
        expect(measured[variant] ?? 0, `${variant}: declared ${weight}%`).toBeGreaterThanOrEqual(weight - 5);
        expect(measured[variant] ?? 0, `${variant}: declared ${weight}%`).toBeLessThanOrEqual(weight + 5);
      }
    });
  }

  it('keeps every user in their variant after a restart', async () => {
    const { file } = flagFile(renderFlags(REPO_ROOT, settings, 'development'));
    const before = await (await startEvaluator(file)).variants('ritual-length', USERS);
    for (const evaluator of running.splice(0)) evaluator.stop();
    const after = await (await startEvaluator(file)).variants('ritual-length', USERS);
    expect(after).toEqual(before);
  });
});

describe('a flag file edit in a running process', () => {
  it('takes effect within 5 s, with no restart', async () => {
    const { file, write } = flagFile(renderFlags(REPO_ROOT, settings, 'production'));
    const evaluator = await startEvaluator(file);
    const sample = USERS.slice(0, 50);
    expect(new Set(await evaluator.variants('ritual-length', sample))).not.toEqual(new Set(['extended']));
    // Staging's declaration: every user extended.
    write(renderFlags(REPO_ROOT, settings, 'staging'));
    const allExtended = async () =>
      (await evaluator.variants('ritual-length', sample)).every((variant) => variant === 'extended');
    const tookMs = await until(allExtended, true, 5000);
    expect(tookMs, 'the edit had not taken effect 5 s later').toBeLessThan(5000);
    console.info(`flag file edit took effect after ${Math.round(tookMs)} ms`);
    expect(evaluator.stderr.map((line) => JSON.parse(line).msg)).toEqual([
      'feature flags loaded',
      'feature flags reloaded',
    ]);
  });

  it('that breaks the file keeps the last good flags and logs one JSON error line', async () => {
    const { file, write } = flagFile(renderFlags(REPO_ROOT, settings, 'staging'));
    const evaluator = await startEvaluator(file);
    write('{ "flags": { "ritual-length": ');
    const errorLogged = async () => evaluator.stderr.some((line) => JSON.parse(line).level === 'error');
    expect(await until(errorLogged, true, 5000), 'no error line within 5 s').toBeLessThan(5000);
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(new Set(await evaluator.variants('ritual-length', USERS.slice(0, 50)))).toEqual(
      new Set(['extended']),
    );
    const errors = evaluator.stderr.map((line) => JSON.parse(line)).filter((line) => line.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ flags_file: file, flags_kept: 2 });
  });
});
