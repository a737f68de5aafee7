// The service the live alert scenario scrapes, stops and injects errors into. Both targets take the
// same runtime fault API as packages/service-kit (PUT /admin/faults, bearer token), so switching from
// the fixture to the real gateway is `ALERT_SCENARIO_TARGET=gateway`.
import path from 'node:path';
import { REPO_ROOT } from '@telemetry-kit/observability-config/paths';
import type { ImageBuildRequest } from '@telemetry-kit/testkit';
import { serviceBuildInputs, serviceImageRecipe } from '@telemetry-kit/testkit';

export interface ScenarioTarget {
  /** Prometheus job name: the service name the alerts carry in `job`. */
  job: string;
  build: ImageBuildRequest;
  port: number;
  /** A route that goes through fault injection (probes and /metrics never do). */
  workPath: string;
  environment: Record<string, string>;
}

/** Bearer token for /admin/faults inside the test network only. */
export const SCENARIO_ADMIN_TOKEN = 'alert-scenario-token';

export const SCENARIO_TARGETS: Record<string, ScenarioTarget> = {
  fixture: {
    job: 'fault-service',
    build: { name: 'alert-fault-service', context: path.join(import.meta.dirname, 'fixtures/fault-service') },
    port: 8080,
    workPath: '/api/work',
    environment: { ADMIN_TOKEN: SCENARIO_ADMIN_TOKEN },
  },
  // The real gateway: its dependencies are pointed nowhere, since the scenario only needs its HTTP
  // metrics and fault injection (`/api/me` answers 401 without a session, 503 when a fault is injected).
  gateway: {
    job: 'gateway',
    build: {
      name: 'gateway',
      context: REPO_ROOT,
      inputs: serviceBuildInputs(REPO_ROOT, 'gateway'),
      ...serviceImageRecipe(REPO_ROOT, 'gateway'),
    },
    port: 8080,
    workPath: '/api/me',
    environment: {
      ADMIN_TOKEN: SCENARIO_ADMIN_TOKEN,
      DATABASE_URL: 'postgres://scenario@127.0.0.1:1/none',
      RITUALS_URL: 'http://127.0.0.1:1',
      MARKETPLACE_URL: 'http://127.0.0.1:1',
    },
  },
};

export function scenarioTarget(env: NodeJS.ProcessEnv = process.env): ScenarioTarget {
  const name = env.ALERT_SCENARIO_TARGET ?? 'fixture';
  const target = SCENARIO_TARGETS[name];
  if (!target) {
    throw new Error(
      `ALERT_SCENARIO_TARGET=${name} is not one of ${Object.keys(SCENARIO_TARGETS).join(', ')} — unset it or pick one`,
    );
  }
  return target;
}
