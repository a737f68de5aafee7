// npm run bench -- dev: how long `npm run dev` takes from a warm machine to every component ready,
// and how much memory each container holds once idle. "Warm" = images present and built, data
// volumes kept, containers removed (what `npm run dev:down` leaves).
import { execFileSync, spawn } from 'node:child_process';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { writeBenchmarkSection } from '../lib/benchmarks.ts';
import {
  labelledContainers,
  loadProject,
  projectName,
  REPO_ROOT,
  sourceRevision,
} from '../lib/dev/compose.ts';
import type { DevService } from '../lib/dev/model.ts';
import { NATIVE_PORTS } from '../lib/dev/native.ts';
import { editToReload, untilAnswering } from '../lib/dev/reload.ts';
import { up, watchedServices } from '../lib/dev/up.ts';
import { down, followWatch, memoryByContainer } from '../lib/dev/verbs.ts';

const RUNS = 3;
const IDLE_SETTLE_MS = 30_000;
// Only failures and left-out lines reach the console; progress lines would drown the figures.
const silent = (line: string) => {
  if (/^(✗|!)/.test(line)) console.log(`  ${line}`);
};

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
};
const round = (value: number, digits = 1) => Number(value.toFixed(digits));

/** The file the edits go to, relative to the repository: the gateway's entry module. */
const EDITED = 'services/gateway/src/main.ts';
const EDITS = 3;
/**
 * A developer's edits come seconds apart: the reload supervisor's next spare is loaded by then. Edits
 * closer than its load time (about 1 s in a container) restart from a half-loaded spare.
 */
const PAUSE_MS = 3_000;

const hostPort = (started: DevService[], service: string) =>
  started.find((s) => s.name === service)?.ports[0]?.hostPort ?? 8080;

/** The reload times of EDITS edits (each edit and its undoing), and why they stopped early, if they did. */
async function reloads(url: string): Promise<{ times: number[]; failure?: string }> {
  const times: number[] = [];
  try {
    // An edit to a service still starting would time its start, not a reload.
    await untilAnswering(url);
    for (let i = 0; i < EDITS; i++) {
      await new Promise((resolve) => setTimeout(resolve, PAUSE_MS));
      times.push(...(await editToReload(path.join(REPO_ROOT, EDITED), url, { pauseMs: PAUSE_MS })));
    }
    return { times };
  } catch (error) {
    console.log(`  ✗ ${(error as Error).message}`);
    return { times, failure: (error as Error).message };
  }
}
const medianOrNull = (measured: { times: number[] }) =>
  measured.times.length > 0 ? Math.round(median(measured.times)) : null;
const listed = (measured: { times: number[]; failure?: string }) =>
  `${measured.times.map((ms) => ms.toFixed(0)).join(', ') || 'none'}${measured.failure ? ` (then: ${measured.failure})` : ''}`;

/** `npm run dev -- --native` as a developer runs it, until it prints that the services are up. */
async function startNative(): Promise<{ stop: () => Promise<void>; output: () => string }> {
  const child = spawn(path.join(REPO_ROOT, 'node_modules/.bin/tsx'), ['scripts/dev.ts', '--native'], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  for (const stream of [child.stdout, child.stderr]) stream.on('data', (chunk) => (output += String(chunk)));
  const deadline = Date.now() + 300_000;
  while (!output.includes('Ctrl-C stops the services on the host')) {
    if (child.exitCode !== null || Date.now() > deadline)
      throw new Error(`npm run dev -- --native did not get ready:\n${output.slice(-2000)}`);
    await sleep(500);
  }
  return {
    stop: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGINT');
      await exited;
    },
    output: () => output,
  };
}

/** `npm run dev` with everything up, as a new process through npm and the toolchain checks: seconds. */
function npmRunDevAgain(): number {
  const started = performance.now();
  const output = execFileSync('npm', ['run', '--silent', 'dev'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const seconds = (performance.now() - started) / 1000;
  // The figure is the re-run's only when it found everything up and did nothing.
  if (!output.includes('already up, nothing changed'))
    console.log(`  ! npm run dev again did more than print the URLs:\n${output.trim()}`);
  return seconds;
}

export async function run(): Promise<void> {
  // As `npm run dev` builds them (scripts/dev.ts): the commit is a build argument, so an `up()` here
  // with another would rebuild every image that `npm run dev` built.
  process.env.SERVICE_VERSION ??= await sourceRevision();
  // Untimed first start: builds the service images and creates the volumes.
  const prime = await up({ log: silent });
  if (prime.exitCode !== 0) {
    await down({ volumes: false, log: silent });
    throw new Error('npm run dev failed (the line above says why)');
  }

  const warm: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    await down({ volumes: false, log: silent });
    const result = await up({ log: silent });
    if (result.exitCode !== 0) {
      await down({ volumes: false, log: silent });
      throw new Error(`warm start ${i + 1} failed (the line above says why)`);
    }
    warm.push(result.seconds);
    console.log(`  warm start ${i + 1}: ${result.seconds.toFixed(1)} s`);
  }

  // `npm run dev` again, right after the last start: the services are still loading their code.
  const rerunRightAfterStart = npmRunDevAgain();
  // What every npm script pays before it runs: scripts/toolchain.sh with everything in place.
  const toolchain: number[] = [];
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    execFileSync('bash', [path.join(REPO_ROOT, 'scripts/toolchain.sh'), 'true']);
    toolchain.push((performance.now() - started) / 1000);
  }
  console.log(`  toolchain checks: ${median(toolchain).toFixed(2)} s`);

  await sleep(IDLE_SETTLE_MS);
  // What a developer waits for when the stack is up: `npm run dev` again, once it has settled.
  const rerunSeconds = npmRunDevAgain();
  const rerun = await up({ log: silent });
  console.log(
    `  npm run dev again: ${rerunRightAfterStart.toFixed(1)} s right after the start, ` +
      `${rerunSeconds.toFixed(1)} s once settled (up() in this process ${rerun.seconds.toFixed(1)} s)`,
  );
  const containers = (await labelledContainers(projectName())).filter((c) => c.state === 'running');
  const memory = await memoryByContainer(containers.map((c) => c.name));
  const mibByService = Object.fromEntries(
    containers
      .map((c) => [c.service, round((memory.get(c.name) ?? 0) / 2 ** 20)] as const)
      .sort(([a], [b]) => a.localeCompare(b)),
  );
  const total = round(Object.values(mibByService).reduce((sum, value) => sum + value, 0));
  // The full stack on a machine that has every image: what ran here, measured, plus the memory limit
  // compose gives each component left out (an upper bound for those).
  const project = await loadProject();
  const leftOutLimits = prime.leftOut.map((name) => {
    const limit = project.services.find((s) => s.name === name)?.memoryLimitBytes ?? 0;
    return [name, round(limit / 2 ** 20)] as const;
  });
  const fullStackEstimate = round(total + leftOutLimits.reduce((sum, [, mib]) => sum + mib, 0));

  // An edit to a service's source until it answers from the new code: containers under --watch ...
  const watched = await up({ log: silent, watch: true });
  if (watched.exitCode !== 0) throw new Error('npm run dev -- --watch failed (the line above says why)');
  const watch = followWatch(
    watchedServices(watched.started.filter((s) => s.dockerfile && !s.oneShot)),
    () => {},
  );
  if (!(await watch.ready))
    throw new Error('docker compose watch ended before it watched — npm run dev -- --watch shows why');
  const inContainers = await reloads(`http://127.0.0.1:${hostPort(watched.started, 'gateway')}/healthz`);
  // The same components under --watch: each Node service with its supervisor and its spare.
  await sleep(PAUSE_MS);
  const watching = (await labelledContainers(projectName())).filter((c) => c.state === 'running');
  const watchMemory = await memoryByContainer(watching.map((c) => c.name));
  const totalWatching = round([...watchMemory.values()].reduce((sum, bytes) => sum + bytes, 0) / 2 ** 20);
  console.log(`  idle memory under --watch: ${totalWatching} MiB`);
  watch.stop();
  await watch.finished;
  console.log(`  edit to reload, in containers: ${listed(inContainers)} ms`);
  await down({ volumes: false, log: silent });

  // ... and on the host (--native, the same supervisor over the same folders).
  const native = await startNative();
  const onHost = await reloads(`http://127.0.0.1:${NATIVE_PORTS.gateway}/healthz`).finally(native.stop);
  if (onHost.failure) {
    const gateway = native
      .output()
      .split('\n')
      .filter((line) => line.startsWith('gateway'));
    console.log(`  the gateway's last lines on the host:\n${gateway.slice(-20).join('\n')}`);
  }
  console.log(`  edit to reload, --native: ${listed(onHost)} ms`);
  await down({ volumes: false, log: silent });

  const rows = Object.entries(mibByService).map(([service, mib]) => `| ${service} | ${mib} |`);
  await writeBenchmarkSection('dev', {
    description:
      `Warm start: \`npm run dev\` (library \`up()\`) from containers removed, images built and volumes kept, ` +
      `to every started component ready (answering its readiness probe, or healthy by Docker's); median of ${RUNS}. Re-run: \`npm run dev\` again with nothing changed, ` +
      `as a new process through npm and the toolchain checks, ${IDLE_SETTLE_MS / 1000} s after the last start ` +
      '(rerun_right_after_start_seconds: the same straight after it, while the services still load their code; ' +
      'rerun_in_process_seconds: the `up()` call alone). ' +
      `Edit to reload: a comment appended to ${EDITED} and taken out again (${EDITS} edits each, ${PAUSE_MS / 1000} s apart), from the write ` +
      'to the first 200 of the gateway’s /healthz from the restarted process; median, in containers under ' +
      '`npm run dev -- --watch` (sources mounted from the host, service-kit reload supervisor) and on the host under `--native` (the same supervisor). ' +
      'Toolchain checks: `scripts/toolchain.sh true` with everything installed, median of 5. ' +
      `Idle memory: \`docker stats\` ${IDLE_SETTLE_MS / 1000} s ` +
      'after the last start, per container (idle_memory_total_mib_watch: the same under --watch, after the edits, each Node service with its reload supervisor and spare). Components whose images are missing on the machine are left out ' +
      '(listed under components_left_out); idle_memory_full_stack_estimate_mib adds the memory limit compose ' +
      'gives each of them to the measured total.',
    figures: {
      warm_start_to_healthy_seconds: round(median(warm)),
      rerun_when_up_seconds: round(rerunSeconds),
      rerun_right_after_start_seconds: round(rerunRightAfterStart),
      rerun_in_process_seconds: round(rerun.seconds),
      edit_to_reload_ms: medianOrNull(inContainers),
      edit_to_reload_ms_native: medianOrNull(onHost),
      toolchain_check_seconds: round(median(toolchain), 2),
      idle_memory_total_mib: total,
      idle_memory_total_mib_watch: totalWatching,
      idle_memory_full_stack_estimate_mib: fullStackEstimate,
      ...Object.fromEntries(
        Object.entries(mibByService).map(([service, mib]) => [`idle_memory_mib_${service}`, mib]),
      ),
      components_started: prime.started.map((s) => s.name).join(', '),
      components_left_out: prime.leftOut.join(', ') || null,
    },
    // The goals of the issue that asked for these figures (#17).
    goals: {
      rerun_when_up_seconds: '<= 3',
      warm_start_to_healthy_seconds: '<= 20',
      toolchain_check_seconds: '< 0.3',
      edit_to_reload_ms: '<= 1500',
      edit_to_reload_ms_native: '<= 1500',
    },
    markdown: [
      `Warm starts (s): ${warm.map((s) => s.toFixed(1)).join(', ')}.`,
      `Edit to reload (ms): in containers ${listed(inContainers)}; --native ${listed(onHost)}.`,
      '',
      '| container | idle memory (MiB) |',
      '|---|---|',
      ...rows,
      ...leftOutLimits.map(([name, mib]) => `| ${name} | ≤ ${mib} (its limit; not run here) |`),
      `| **full stack (estimate)** | **${fullStackEstimate}** |`,
    ].join('\n'),
  });
}
