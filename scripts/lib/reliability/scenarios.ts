// The faults of the reliability bench, each under `npm run load` at a steady rate: a service restarted
// (SIGTERM, drain, start), a rolling restart of two replicas, Postgres stopped for 10 s.
import { PassThrough } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { $ } from 'zx';
import type { ConfirmedPurchase, Stats } from '../../load.ts';
import { runLoad } from '../../load.ts';
import type { BenchStack } from './stack.ts';

/** Journeys per second: the default of `npm run load`, which a 2-core machine sustains beside the stack. */
export const LOAD_RATE = 2;
/** Load before the fault (connections and pools warm) and after it (late retries finish). */
const WARM_UP_MS = 5_000;
const SETTLE_MS = 5_000;
export const DB_OUTAGE_MS = 10_000;

const quiet = $({ quiet: true, nothrow: true });

export interface LoadedCase<T> {
  journeys: number;
  failed: number;
  /** Failed journeys by the step that failed and its answer, e.g. "generate 503". */
  failures: Map<string, number>;
  confirmed: ConfirmedPurchase[];
  result: T;
}

/** Runs `fault` while `npm run load` drives the gateway; the journeys count from start to settle. */
export async function underLoad<T>(stack: BenchStack, fault: () => Promise<T>): Promise<LoadedCase<T>> {
  const controller = new AbortController();
  const confirmed: ConfirmedPurchase[] = [];
  const load: Promise<Stats> = runLoad(
    {
      target: new URL(stack.gatewayUrl),
      rate: LOAD_RATE,
      durationSeconds: 3600,
      concurrency: 50,
      failOnError: false,
    },
    new PassThrough() as unknown as NodeJS.WriteStream,
    { onPurchase: (purchase) => confirmed.push(purchase), signal: controller.signal },
  );
  try {
    await sleep(WARM_UP_MS);
    const result = await fault();
    await sleep(SETTLE_MS);
    return { ...(await stopped(load, controller)), confirmed, result };
  } catch (error) {
    controller.abort();
    await load.catch(() => {});
    throw error;
  }
}

const stopped = async (load: Promise<Stats>, controller: AbortController) => {
  controller.abort();
  const stats = await load;
  return { journeys: stats.started, failed: stats.failed, failures: stats.failures };
};

/** SIGTERM (the service drains for TELEMETRY_DRAIN_MS), start again, wait until healthy: the seconds it took. */
export async function restartContainer(stack: BenchStack, container: string): Promise<number> {
  const started = performance.now();
  const result = await quiet`docker restart --time 30 ${container}`;
  if (result.exitCode !== 0) throw new Error(`docker restart ${container} failed: ${result.stderr.trim()}`);
  await stack.waitHealthy(container);
  return (performance.now() - started) / 1000;
}

/** Restarts every container of each service in turn, each healthy again before the next; the longest took (s). */
export async function restartInTurn(stack: BenchStack, services: string[]): Promise<number> {
  let longest = 0;
  for (const service of services) {
    for (const container of await stack.containers(service)) {
      longest = Math.max(longest, await restartContainer(stack, container));
    }
  }
  return longest;
}

/** Two replicas of `service` behind its compose name (Docker's DNS answers both addresses). */
export async function scaleTo(stack: BenchStack, service: string, replicas: number): Promise<string[]> {
  await stack.compose(
    'up',
    '--detach',
    '--wait',
    '--no-deps',
    '--no-recreate',
    '--scale',
    `${service}=${replicas}`,
    service,
  );
  const containers = await stack.containers(service);
  if (containers.length !== replicas) {
    throw new Error(`${service}: ${containers.length} containers running, ${replicas} wanted`);
  }
  for (const container of containers) await stack.waitHealthy(container);
  return containers;
}

async function readiness(gatewayUrl: string): Promise<number> {
  return fetch(`${gatewayUrl}/readyz`, { signal: AbortSignal.timeout(3000) }).then(
    async (response) => {
      await response.body?.cancel();
      return response.status;
    },
    () => 0,
  );
}

/** Whether a read that goes through the gateway and the marketplace to Postgres answers 200. */
async function listingsAnswer(gatewayUrl: string): Promise<boolean> {
  return fetch(`${gatewayUrl}/api/listings?limit=1`, { signal: AbortSignal.timeout(3000) }).then(
    async (response) => {
      await response.body?.cancel();
      return response.ok;
    },
    () => false,
  );
}

/** Polls every 100 ms until `done` says yes; the milliseconds it took (from `since`). */
async function timeUntil(
  done: () => Promise<boolean>,
  since: number,
  what: string,
  timeoutMs = 120_000,
): Promise<number> {
  for (;;) {
    if (await done()) return performance.now() - since;
    if (performance.now() - since > timeoutMs) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
    await sleep(100);
  }
}

export interface DbOutage {
  /** From `docker stop` of Postgres returning (it has exited) to the gateway's /readyz answering 503. */
  readinessDownSeconds: number;
  /** From Postgres accepting connections again to /readyz 200 and a listing read answering 200. */
  recoverySeconds: number;
}

/** Stops Postgres for DB_OUTAGE_MS, starts it, and times how the services notice and recover. */
export async function databaseOutage(stack: BenchStack): Promise<DbOutage> {
  const [postgres] = await stack.containers('postgres');
  if (!postgres) throw new Error('no Postgres container in the bench project');
  const stoppedAt = performance.now();
  await quiet`docker stop --time 10 ${postgres}`;
  // From the moment Postgres is gone (its shutdown itself takes a moment, longer on a busy machine).
  const goneAt = performance.now();
  const readinessDown = await timeUntil(
    async () => (await readiness(stack.gatewayUrl)) === 503,
    goneAt,
    'readiness 503',
  );
  await sleep(Math.max(0, DB_OUTAGE_MS - (performance.now() - stoppedAt)));
  const started = await quiet`docker start ${postgres}`;
  if (started.exitCode !== 0) throw new Error(`docker start ${postgres} failed: ${started.stderr.trim()}`);
  const startedAt = performance.now();
  const acceptingAfter = await timeUntil(
    async () => (await quiet`docker exec ${postgres} pg_isready -h 127.0.0.1 -U kit -d kit`).exitCode === 0,
    startedAt,
    'Postgres accepting connections',
  );
  const backAt = startedAt + acceptingAfter;
  const recovered = await timeUntil(
    async () => (await readiness(stack.gatewayUrl)) === 200 && (await listingsAnswer(stack.gatewayUrl)),
    backAt,
    'services recovered',
  );
  return { readinessDownSeconds: readinessDown / 1000, recoverySeconds: recovered / 1000 };
}
