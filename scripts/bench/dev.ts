// npm run bench -- dev: how long `npm run dev` takes from a warm machine to every component healthy,
// and how much memory each container holds once idle. "Warm" = images present and built, data
// volumes kept, containers removed (what `npm run dev:down` leaves).
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { writeBenchmarkSection } from '../lib/benchmarks.ts';
import { labelledContainers, projectName, REPO_ROOT } from '../lib/dev/compose.ts';
import { up } from '../lib/dev/up.ts';
import { down, memoryByContainer } from '../lib/dev/verbs.ts';

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

export async function run(): Promise<void> {
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

  const rerun = await up({ log: silent });
  console.log(`  npm run dev again (already up): ${rerun.seconds.toFixed(1)} s`);

  // What every npm script pays before it runs: scripts/toolchain.sh with everything in place.
  const toolchain: number[] = [];
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    execFileSync('bash', [path.join(REPO_ROOT, 'scripts/toolchain.sh'), 'true']);
    toolchain.push((performance.now() - started) / 1000);
  }
  console.log(`  toolchain checks: ${median(toolchain).toFixed(2)} s`);

  await sleep(IDLE_SETTLE_MS);
  const containers = (await labelledContainers(projectName())).filter((c) => c.state === 'running');
  const memory = await memoryByContainer(containers.map((c) => c.name));
  const mibByService = Object.fromEntries(
    containers
      .map((c) => [c.service, round((memory.get(c.name) ?? 0) / 2 ** 20)] as const)
      .sort(([a], [b]) => a.localeCompare(b)),
  );
  const total = round(Object.values(mibByService).reduce((sum, value) => sum + value, 0));
  await down({ volumes: false, log: silent });

  const rows = Object.entries(mibByService).map(([service, mib]) => `| ${service} | ${mib} |`);
  await writeBenchmarkSection('dev', {
    description:
      `Warm start: \`npm run dev\` (library \`up()\`) from containers removed, images built and volumes kept, ` +
      `to every started component healthy; median of ${RUNS}. Re-run: \`up()\` again with nothing changed. ` +
      'Toolchain checks: `scripts/toolchain.sh true` with everything installed, median of 5. ' +
      `Idle memory: \`docker stats\` ${IDLE_SETTLE_MS / 1000} s ` +
      'after the last start, per container. Components whose images are missing on the machine are left out ' +
      '(listed under components_left_out).',
    figures: {
      warm_start_to_healthy_seconds: round(median(warm)),
      rerun_when_up_seconds: round(rerun.seconds),
      toolchain_check_seconds: round(median(toolchain), 2),
      idle_memory_total_mib: total,
      ...Object.fromEntries(
        Object.entries(mibByService).map(([service, mib]) => [`idle_memory_mib_${service}`, mib]),
      ),
      components_started: prime.started.map((s) => s.name).join(', '),
      components_left_out: prime.leftOut.join(', ') || null,
    },
    markdown: [
      `Warm starts (s): ${warm.map((s) => s.toFixed(1)).join(', ')}.`,
      '',
      '| container | idle memory (MiB) |',
      '|---|---|',
      ...rows,
    ].join('\n'),
  });
}
