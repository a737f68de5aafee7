// Live alert scenario: Prometheus and Alertmanager (alert-stack.ts: the kit's own rules, test
// settings), scraping a service. Errors injected → HighErrorRate fires in Alertmanager; restored → it
// resolves. Service stopped → ServiceDown fires; started again → it resolves.
import { buildImageOnce } from '@telemetry-kit/testkit';
import { describeWithContainers } from '@telemetry-kit/testkit/vitest';
import type { StartedNetwork, StartedTestContainer } from 'testcontainers';
import { GenericContainer, Network, Wait } from 'testcontainers';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type AlertStack, startAlertStack } from './alert-stack.ts';
import { SCENARIO_ADMIN_TOKEN, scenarioTarget } from './scenario-targets.ts';

const target = scenarioTarget();
const POLL = { timeout: 90_000, interval: 1_000 };

describeWithContainers(
  `live alerts: Prometheus → Alertmanager on ${target.job} (ALERT_SCENARIO_TARGET=${process.env.ALERT_SCENARIO_TARGET ?? 'fixture'})`,
  { images: ['NODE_IMAGE', 'PROMETHEUS_IMAGE', 'ALERTMANAGER_IMAGE'] },
  () => {
    let network: StartedNetwork;
    let image: string;
    let service: StartedTestContainer | undefined;
    let stack: AlertStack;
    let load: Promise<void> | undefined;
    let loading = false;

    const startService = async () => {
      service = await new GenericContainer(image)
        .withNetwork(network)
        .withNetworkAliases(target.job)
        .withEnvironment(target.environment)
        .withExposedPorts(target.port)
        .withWaitStrategy(Wait.forHttp('/healthz', target.port))
        .start();
    };
    const serviceUrl = () => `http://${service?.getHost()}:${service?.getMappedPort(target.port)}`;

    // Steady traffic from the test process, as a user would send it; failures while the service is
    // stopped are expected and ignored.
    const startLoad = () => {
      loading = true;
      load = (async () => {
        while (loading) {
          await fetch(`${serviceUrl()}${target.workPath}`).then(
            (r) => r.arrayBuffer(),
            () => undefined,
          );
          await new Promise((r) => setTimeout(r, 20));
        }
      })();
    };

    const setErrorRate = async (errorRate: number) => {
      const response = await fetch(`${serviceUrl()}/admin/faults`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${SCENARIO_ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ latencyMs: 0, errorRate }),
      });
      expect(response.status, `PUT /admin/faults on ${target.job}`).toBe(200);
    };

    const activeAlerts = async (alertname: string): Promise<string[]> =>
      (await stack.activeAlerts(alertname)).map((labels) => labels.job ?? '(no job)');

    beforeAll(async () => {
      network = await new Network().start();
      image = await buildImageOnce(target.build);
      await startService();
      stack = await startAlertStack(network, [
        { job: target.job, targets: [`${target.job}:${target.port}`] },
      ]);
      startLoad();
    });

    afterAll(async () => {
      loading = false;
      await load;
      await stack?.stop();
      await service?.stop();
      await network?.stop();
    });

    it('loads the rules rendered with the test settings (compressed for: and windows)', async () => {
      const response = await fetch(`${stack.prometheus.url}/api/v1/rules?type=alert`);
      const body = (await response.json()) as {
        data: { groups: Array<{ rules: Array<{ name: string; duration: number; query: string }> }> };
      };
      const rules = body.data.groups.flatMap((g) => g.rules);
      const highErrorRate = rules.find((r) => r.name === 'HighErrorRate');
      expect(highErrorRate?.query).toContain('[10s]');
      expect(highErrorRate?.duration).toBe(3);
      expect(rules.map((r) => r.name)).toContain('ServiceDown');
    });

    it('fires nothing while the service is up and answers without errors', async () => {
      await expect
        .poll(
          async () =>
            (
              await stack.prometheus.query(
                `sum(rate(http_server_request_duration_seconds_count{job="${target.job}"}[10s]))`,
              )
            ).length,
          POLL,
        )
        .toBe(1);
      expect(await activeAlerts('HighErrorRate')).toEqual([]);
      expect(await activeAlerts('ServiceDown')).toEqual([]);
    });

    it('fires HighErrorRate in Alertmanager when 20% of requests fail', async () => {
      await setErrorRate(0.2);
      await expect.poll(() => activeAlerts('HighErrorRate'), POLL).toEqual([target.job]);
    });

    it('resolves HighErrorRate once the errors stop', async () => {
      await setErrorRate(0);
      await expect.poll(() => activeAlerts('HighErrorRate'), POLL).toEqual([]);
    });

    it('fires ServiceDown in Alertmanager when the service stops', async () => {
      await service?.stop();
      await expect.poll(() => activeAlerts('ServiceDown'), POLL).toEqual([target.job]);
    });

    it('resolves ServiceDown when the service is back', async () => {
      await startService();
      await expect.poll(() => activeAlerts('ServiceDown'), POLL).toEqual([]);
    });
  },
);
