// npm run bench -- testkit: seconds from `npm test` starting to the first integration test running,
// with warm images. Runs npm test's steps (lint, typecheck, vitest run over both projects) with a
// timing reporter beside the usual one, twice: the first run primes image builds, the second is timed.
// BENCH_TESTKIT_PRIMED=1 skips the priming run when an npm test just ran on this machine.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { probeContainerEngine } from '../../packages/testkit/src/engine.ts';
import { parsePinFile } from '../../packages/testkit/src/images.ts';
import type { TimingEvent } from '../../packages/testkit/src/vitest/timing-reporter.ts';
import { writeBenchmarkSection } from '../lib/benchmarks.ts';

const root = path.resolve(import.meta.dirname, '../..');
const reporter = path.join(root, 'packages/testkit/src/vitest/timing-reporter.ts');
const round = (value: number) => Number(value.toFixed(1));

/** Runs a shell command from the repository root, its output into `log`; resolves with its exit code. */
function sh(command: string, env: NodeJS.ProcessEnv, log: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', command], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (chunk: Buffer) => log.push(chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => log.push(chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? 1));
  });
}

/**
 * Where a pinned image is missing and scripts/ci/standins.env names a local stand-in, use it (as
 * .ci/run does on the project's CI machines); pins that are present, or overridden already, stay.
 */
async function environmentWithStandins(): Promise<{ env: NodeJS.ProcessEnv; standins: string[] }> {
  const env: NodeJS.ProcessEnv = { ...process.env, TESTCONTAINERS_RYUK_DISABLED: 'true', NO_COLOR: '1' };
  const status = await probeContainerEngine(env);
  const standinFile = path.join(root, 'scripts/ci/standins.env');
  const standins: string[] = [];
  for (const [key, image] of parsePinFile(readFileSync(standinFile, 'utf8'), standinFile)) {
    if (process.env[key] === undefined && status.missingImages[key] !== undefined) {
      env[key] = image;
      standins.push(`${key}=${image}`);
    }
  }
  return { env, standins };
}

interface TimedRun {
  lintSeconds: number;
  typecheckSeconds: number;
  toFirstIntegrationTest: number | undefined;
  vitestToFirstIntegrationTest: number | undefined;
  firstIntegrationTest: string | undefined;
  totalSeconds: number;
  exitCodes: { lint: number; typecheck: number; vitest: number };
}

/** npm test's steps in order (each runs whatever the previous one answered, so a lint finding in
 * someone's work in progress does not stop the measurement), timed from the start. */
async function timedNpmTest(env: NodeJS.ProcessEnv, log: string[]): Promise<TimedRun> {
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-testkit-'));
  const timingFile = path.join(dir, 'timing.jsonl');
  try {
    const t0 = Date.now();
    const lint = await sh('npm run --silent lint', env, log);
    const t1 = Date.now();
    const typecheck = await sh('npm run --silent typecheck', env, log);
    const t2 = Date.now();
    const vitest = await sh(
      `vitest run --reporter=verbose --reporter=${reporter}`,
      { ...env, TESTKIT_TIMING_FILE: timingFile },
      log,
    );
    const t3 = Date.now();
    if (!existsSync(timingFile)) {
      throw new Error(
        `vitest reported no run (exit ${vitest}); its output ended with:\n${log.join('').slice(-3000)}`,
      );
    }
    const events = readFileSync(timingFile, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as TimingEvent);
    const first = events.find(
      (e): e is Extract<TimingEvent, { event: 'first-test' }> =>
        e.event === 'first-test' && e.project === 'integration',
    );
    return {
      lintSeconds: (t1 - t0) / 1000,
      typecheckSeconds: (t2 - t1) / 1000,
      toFirstIntegrationTest: first ? (first.at - t0) / 1000 : undefined,
      vitestToFirstIntegrationTest: first ? (first.at - t2) / 1000 : undefined,
      firstIntegrationTest: first ? `${path.relative(root, first.file)} > ${first.test}` : undefined,
      totalSeconds: (t3 - t0) / 1000,
      exitCodes: { lint, typecheck, vitest },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<void> {
  const { env, standins } = await environmentWithStandins();
  const log: string[] = [];
  const alreadyPrimed = process.env.BENCH_TESTKIT_PRIMED === '1';
  const priming = alreadyPrimed ? undefined : await timedNpmTest(env, log);
  if (priming) {
    console.log(
      `  priming run: first integration test after ${priming.toFirstIntegrationTest?.toFixed(1) ?? '—'} s`,
    );
  }
  const warm = await timedNpmTest(env, log);
  if (warm.toFirstIntegrationTest === undefined) {
    throw new Error(
      `no integration test ran — is the engine up and are the images present?\n${log.join('').slice(-3000)}`,
    );
  }
  console.log(`  warm run: first integration test after ${warm.toFirstIntegrationTest.toFixed(1)} s`);

  await writeBenchmarkSection('testkit', {
    description:
      'Seconds from `npm test` starting to the first integration test running (Vitest `onTestCaseReady`, so after ' +
      'that file’s `beforeAll` started its containers), with warm images: npm test’s steps — `npm run lint`, ' +
      '`npm run typecheck`, `vitest run` over both projects — run from the repository root with a timing reporter ' +
      '(packages/testkit/src/vitest/timing-reporter.ts) beside the verbose one, twice; the first run primes the ' +
      'content-hashed image builds, the second is the figure (BENCH_TESTKIT_PRIMED=1 skips the priming run right ' +
      'after an npm test). Stand-ins from scripts/ci/standins.env are used for ' +
      'pinned images missing on the machine, as .ci/run does.',
    figures: {
      npm_test_to_first_integration_test_seconds: round(warm.toFirstIntegrationTest),
      lint_seconds: round(warm.lintSeconds),
      typecheck_seconds: round(warm.typecheckSeconds),
      vitest_start_to_first_integration_test_seconds: round(warm.vitestToFirstIntegrationTest ?? 0),
      first_integration_test: warm.firstIntegrationTest ?? null,
      npm_test_total_seconds: round(warm.totalSeconds),
      priming_run_to_first_integration_test_seconds:
        priming?.toFirstIntegrationTest === undefined ? null : round(priming.toFirstIntegrationTest),
      primed_by: alreadyPrimed
        ? 'an npm test run just before (BENCH_TESTKIT_PRIMED=1)'
        : 'the priming run above',
      step_exit_codes: `lint ${warm.exitCodes.lint}, typecheck ${warm.exitCodes.typecheck}, vitest ${warm.exitCodes.vitest}`,
      standins_used: standins.join(', ') || null,
    },
  });
}
