// Live crash scenario: a reference service (the gateway, built from the workspace as its image is)
// crashes for real — an uncaught exception thrown outside any request, asked for through its runtime
// fault API — and Prometheus, evaluating the kit's own rules (test settings), has Alertmanager raise
// CriticalError for it, then resolve it once the crash leaves the window. The process is gone by then:
// what makes this work is the crashed process answering one more scrape before it exits.
import { loadSettings } from '@telemetry-kit/observability-config/settings';
import { REPO_ROOT, ServiceContainer, type StartedServiceContainer } from '@telemetry-kit/testkit';
import { describeWithContainers } from '@telemetry-kit/testkit/vitest';
import type { StartedNetwork } from 'testcontainers';
import { Network } from 'testcontainers';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type AlertStack, startAlertStack } from './alert-stack.ts';
import { SCENARIO_ADMIN_TOKEN, SCENARIO_TARGETS } from './scenario-targets.ts';

const gateway = SCENARIO_TARGETS.gateway;
if (!gateway) throw new Error('test/alerts/scenario-targets.ts has no gateway target');
const POLL = { timeout: 100_000, interval: 500 };

describeWithContainers(
  'live alerts: a crash of the gateway pages CriticalError',
  { images: ['NODE_IMAGE', 'PROMETHEUS_IMAGE', 'ALERTMANAGER_IMAGE'] },
  () => {
    let network: StartedNetwork;
    let service: StartedServiceContainer;
    let stack: AlertStack;
    const criticalErrors = async () =>
      (await stack.activeAlerts('CriticalError')).map((labels) => ({
        job: labels.job,
        error_type: labels.error_type,
      }));
    const query = async (promql: string) => (await stack.prometheus.query(promql)).length;

    beforeAll(async () => {
      network = await new Network().start();
      // Its dependencies point nowhere, so it is live (/healthz) but not ready.
      service = await (await ServiceContainer.fromWorkspace(gateway.job, { readyPath: '/healthz' }))
        .withNetwork(network)
        .withEnvironment(gateway.environment)
        // Start-up takes seconds alone and well over a minute on a machine busy with other builds.
        .withStartupTimeout(240_000)
        .start();
      stack = await startAlertStack(network, [{ job: gateway.job, targets: [service.networkTarget] }]);
    });

    afterAll(async () => {
      await stack?.stop();
      await service?.stop().catch(() => undefined);
      await network?.stop();
    });

    it('raises nothing while the gateway runs', async () => {
      await expect.poll(() => query(`up{job="${gateway.job}"} == 1`), POLL).toBe(1);
      expect(await criticalErrors()).toEqual([]);
    });

    it('serves one more scrape after the crash, with the crash counted, then the process is gone', async () => {
      const response = await fetch(`${service.url}/admin/faults`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${SCENARIO_ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ latencyMs: 0, errorRate: 0, crash: 'uncaughtException' }),
      });
      expect(response.status, 'PUT /admin/faults on the gateway').toBe(200);
      await expect
        .poll(
          () =>
            query(
              `app_errors_total{job="${gateway.job}", severity="critical", error_type="InjectedCrash"} == 1`,
            ),
          POLL,
        )
        .toBe(1);
      await expect.poll(() => query(`up{job="${gateway.job}"} == 0`), POLL).toBe(1);
    });

    it('has Alertmanager raise CriticalError for the crash', async () => {
      await expect.poll(criticalErrors, POLL).toEqual([{ job: gateway.job, error_type: 'InjectedCrash' }]);
    });

    it('resolves CriticalError once the crash is older than the window', async () => {
      const window = loadSettings(REPO_ROOT).environments.test?.rangeWindows?.['5m'];
      expect(window, 'environments.test.rangeWindows maps 5m').toBeDefined();
      await expect.poll(criticalErrors, POLL).toEqual([]);
    });
  },
);
