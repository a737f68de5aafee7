// npm run bench -- reliability: what `npm run load` journeys see while services restart, while a
// replicated service is restarted replica by replica, while Postgres is down for 10 s, and while the
// LLM fails. The stack runs in its own compose project (scripts/lib/reliability/stack.ts).
import { writeBenchmarkSection } from '../lib/benchmarks.ts';
import { RITUALS_DEADLINE_MS, runLlmFaults } from '../lib/reliability/llm-faults.ts';
import { auditPurchases, storedPurchasesQuery } from '../lib/reliability/purchase-audit.ts';
import {
  DB_OUTAGE_MS,
  databaseOutage,
  LOAD_RATE,
  type LoadedCase,
  restartInTurn,
  scaleTo,
  underLoad,
} from '../lib/reliability/scenarios.ts';
import { startBenchStack } from '../lib/reliability/stack.ts';

const NON_GATEWAY = ['llm-emulator', 'rituals', 'marketplace'];
const REPLICATED = 'marketplace';
const log = (line: string) => console.log(line);
const round = (value: number, digits = 1) => Number(value.toFixed(digits));
const describeFailures = (failures: Map<string, number>) =>
  [...failures].map(([what, count], i) => `${i === 0 ? ': ' : ''}${what}: ${count}`).join(', ');

export async function run(): Promise<void> {
  const stack = await startBenchStack(log);
  const table = ['| case | journeys | failed | failed at (step answer: count) |', '|---|---|---|---|'];
  let broken: string | undefined;
  // A case that cannot finish (a service that never turns healthy again) leaves its figures null, named
  // in the table with the reason; the cases after it are skipped, as the stack is no longer what they assume.
  const measure = async <T>(what: string, fault: () => Promise<T>): Promise<LoadedCase<T> | undefined> => {
    log(`  ${what}`);
    if (broken) {
      table.push(`| ${what} | — | — | not measured: an earlier case failed |`);
      return undefined;
    }
    try {
      const measured = await underLoad(stack, fault);
      const failedAt = describeFailures(measured.failures);
      log(`    ${measured.failed} of ${measured.journeys} journeys failed${failedAt}`);
      table.push(`| ${what} | ${measured.journeys} | ${measured.failed} | ${failedAt.slice(2) || '—'} |`);
      return measured;
    } catch (error) {
      broken = (error as Error).message;
      log(`    ✗ ${broken}`);
      table.push(`| ${what} | — | — | not measured: ${broken} |`);
      return undefined;
    }
  };
  try {
    const baseline = await measure('baseline: no fault', async () => {});
    // The cases with goals first; the gateway's own restart, the slowest to come back, last.
    const rolling = await measure(`rolling restart of two ${REPLICATED} replicas`, async () => {
      await scaleTo(stack, REPLICATED, 2);
      const longest = await restartInTurn(stack, [REPLICATED]);
      await scaleTo(stack, REPLICATED, 1);
      return longest;
    });
    const outage = await measure(`Postgres stopped for ${DB_OUTAGE_MS / 1000} s`, () =>
      databaseOutage(stack),
    );
    const stored = outage
      ? (await stack.sql(storedPurchasesQuery(outage.confirmed.map((p) => p.idempotencyKey)))).map(
          ([idempotencyKey = '', id = '']) => ({ idempotencyKey, id }),
        )
      : [];
    const audit = outage ? auditPurchases(outage.confirmed, stored) : undefined;
    const restarts: Record<string, LoadedCase<number> | undefined> = {};
    for (const service of NON_GATEWAY) {
      restarts[service] = await measure(`restarting ${service}`, () => restartInTurn(stack, [service]));
    }
    const measuredRestarts = Object.values(restarts).filter((c) => c !== undefined);
    const restartsTotal = (key: 'failed' | 'journeys') =>
      measuredRestarts.length === NON_GATEWAY.length
        ? measuredRestarts.reduce((sum, c) => sum + c[key], 0)
        : null;
    const gateway = await measure('restarting the gateway', () => restartInTurn(stack, ['gateway']));
    await stack.down();
    // Its own processes, with the compose stack gone: nothing else competes for the two cores.
    log('  LLM faults');
    const llm = await runLlmFaults(stack);

    await writeBenchmarkSection('reliability', {
      description:
        `\`npm run load\` at ${LOAD_RATE} journeys/s against the reference app in its own compose project ` +
        '(images as `npm run dev` builds them), 5 s before each fault and 5 s after it. Restarts: `docker restart` ' +
        `(SIGTERM, drain for TELEMETRY_DRAIN_MS, start) of one service under its own load run (${NON_GATEWAY.join(', ')}, ` +
        `summed as non_gateway; then the gateway). Rolling: two ${REPLICATED} replicas behind their compose name, restarted one after ` +
        `the other. Database: Postgres stopped for ${DB_OUTAGE_MS / 1000} s; recovery counts from Postgres accepting ` +
        "connections to the gateway's /readyz 200 and a listing read through it 200 (polled every 100 ms); every " +
        'purchase the client was told succeeded is looked up by its Idempotency-Key. A failed journey is one whose ' +
        'steps did not all answer as a user expects (a purchase is retried with its key, nothing else is).' +
        ' LLM: scripts/lib/reliability/llm-faults.ts (rituals against a model slower than its deadline).',
      figures: {
        baseline_failed_journeys: baseline?.failed ?? null,
        baseline_journeys: baseline?.journeys ?? null,
        restart_failed_journeys_non_gateway: restartsTotal('failed'),
        restart_journeys_non_gateway: restartsTotal('journeys'),
        ...Object.fromEntries(
          Object.entries(restarts).flatMap(([service, c]) => [
            [`restart_failed_journeys_${service.replace(/-/g, '_')}`, c?.failed ?? null],
            [`restart_journeys_${service.replace(/-/g, '_')}`, c?.journeys ?? null],
            [`restart_to_healthy_seconds_${service.replace(/-/g, '_')}`, c ? round(c.result) : null],
          ]),
        ),
        restart_failed_journeys_gateway: gateway?.failed ?? null,
        restart_journeys_gateway: gateway?.journeys ?? null,
        restart_to_healthy_seconds_gateway: gateway ? round(gateway.result) : null,
        rolling_restart_failed_journeys: rolling?.failed ?? null,
        rolling_restart_journeys: rolling?.journeys ?? null,
        rolling_restart_to_healthy_seconds: rolling ? round(rolling.result) : null,
        db_outage_readiness_503_seconds: outage ? round(outage.result.readinessDownSeconds) : null,
        db_outage_recovery_seconds: outage ? round(outage.result.recoverySeconds) : null,
        db_outage_lost_or_duplicated_purchases: audit ? audit.lost.length + audit.duplicated.length : null,
        db_outage_confirmed_purchases: outage
          ? new Set(outage.confirmed.map((p) => p.idempotencyKey)).size
          : null,
        db_outage_failed_journeys: outage?.failed ?? null,
        db_outage_journeys: outage?.journeys ?? null,
        ...llm,
      },
      markdown: table.join('\n'),
      goals: {
        restart_failed_journeys_non_gateway: '0',
        rolling_restart_failed_journeys: '0',
        db_outage_recovery_seconds: '<= 5',
        db_outage_lost_or_duplicated_purchases: '0',
        llm_timeout_p99_ms: `<= ${RITUALS_DEADLINE_MS + 100} (rituals deadline + 100)`,
      },
    });
  } finally {
    await stack.down();
  }
}
