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
  restartInTurn,
  scaleTo,
  underLoad,
} from '../lib/reliability/scenarios.ts';
import { startBenchStack } from '../lib/reliability/stack.ts';

const NON_GATEWAY = ['llm-emulator', 'rituals', 'marketplace'];
const REPLICATED = 'marketplace';
const log = (line: string) => console.log(line);
const round = (value: number, digits = 1) => Number(value.toFixed(digits));

export async function run(): Promise<void> {
  const stack = await startBenchStack(log);
  try {
    log('  baseline: no fault');
    const baseline = await underLoad(stack, async () => {});
    log(`  restarting ${NON_GATEWAY.join(', ')} in turn`);
    const restarts = await underLoad(stack, () => restartInTurn(stack, NON_GATEWAY));
    log('  restarting the gateway');
    const gateway = await underLoad(stack, () => restartInTurn(stack, ['gateway']));
    log(`  rolling restart of two ${REPLICATED} replicas`);
    await scaleTo(stack, REPLICATED, 2);
    const rolling = await underLoad(stack, () => restartInTurn(stack, [REPLICATED]));
    await scaleTo(stack, REPLICATED, 1);
    log(`  Postgres stopped for ${DB_OUTAGE_MS / 1000} s`);
    const outage = await underLoad(stack, () => databaseOutage(stack));
    const stored = (await stack.sql(storedPurchasesQuery(outage.confirmed.map((p) => p.idempotencyKey)))).map(
      ([idempotencyKey = '', id = '']) => ({ idempotencyKey, id }),
    );
    const audit = auditPurchases(outage.confirmed, stored);
    await stack.down();
    // Its own processes, with the compose stack gone: nothing else competes for the two cores.
    log('  LLM faults');
    const llm = await runLlmFaults(stack);

    const cases = { baseline, restarts, gateway, rolling, outage };
    for (const [name, c] of Object.entries(cases))
      log(`    ${name}: ${c.failed} of ${c.journeys} journeys failed`);
    await writeBenchmarkSection('reliability', {
      description:
        `\`npm run load\` at ${LOAD_RATE} journeys/s against the reference app in its own compose project ` +
        '(images as `npm run dev` builds them), 5 s before each fault and 5 s after it. Restarts: `docker restart` ' +
        `(SIGTERM, drain for TELEMETRY_DRAIN_MS, start), each service healthy before the next (${NON_GATEWAY.join(', ')}; ` +
        `then the gateway alone). Rolling: two ${REPLICATED} replicas behind their compose name, restarted one after ` +
        `the other. Database: Postgres stopped for ${DB_OUTAGE_MS / 1000} s; recovery counts from Postgres accepting ` +
        "connections to the gateway's /readyz 200 and a listing read through it 200 (polled every 100 ms); every " +
        'purchase the client was told succeeded is looked up by its Idempotency-Key. A failed journey is one whose ' +
        'steps did not all answer as a user expects (a purchase is retried with its key, nothing else is).' +
        ' LLM: scripts/lib/reliability/llm-faults.ts (rituals against a model slower than its deadline).',
      figures: {
        baseline_failed_journeys: baseline.failed,
        baseline_journeys: baseline.journeys,
        restart_failed_journeys_non_gateway: restarts.failed,
        restart_journeys_non_gateway: restarts.journeys,
        restart_failed_journeys_gateway: gateway.failed,
        restart_journeys_gateway: gateway.journeys,
        rolling_restart_failed_journeys: rolling.failed,
        rolling_restart_journeys: rolling.journeys,
        db_outage_readiness_503_seconds: round(outage.result.readinessDownSeconds),
        db_outage_recovery_seconds: round(outage.result.recoverySeconds),
        db_outage_lost_or_duplicated_purchases: audit.lost.length + audit.duplicated.length,
        db_outage_confirmed_purchases: new Set(outage.confirmed.map((p) => p.idempotencyKey)).size,
        db_outage_failed_journeys: outage.failed,
        db_outage_journeys: outage.journeys,
        ...llm,
      },
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
