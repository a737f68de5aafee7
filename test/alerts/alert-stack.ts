// Prometheus and Alertmanager (pinned images) with the kit's own rules, rendered through the
// short-interval `test` settings of grafana/environments.yaml (not a second copy of the rules): what
// the live alert scenarios run against.
import { REPO_ROOT } from '@telemetry-kit/observability-config/paths';
import { loadRuleFiles } from '@telemetry-kit/observability-config/rules';
import { loadSettings } from '@telemetry-kit/observability-config/settings';
import {
  renderAlertmanagerConfig,
  renderPrometheusConfig,
  renderRuleFiles,
} from '@telemetry-kit/observability-config/targets/prometheus';
import type { StartedAlertmanagerContainer, StartedPrometheusContainer } from '@telemetry-kit/testkit';
import { AlertmanagerContainer, PrometheusContainer } from '@telemetry-kit/testkit';
import type { StartedNetwork } from 'testcontainers';

export interface AlertmanagerAlert {
  labels: Record<string, string>;
  status: { state: string };
}

export interface AlertStack {
  prometheus: StartedPrometheusContainer;
  alertmanager: StartedAlertmanagerContainer;
  /** The labels of each alert named `alertname` that Alertmanager holds as active now. */
  activeAlerts(alertname: string): Promise<Record<string, string>[]>;
  stop(): Promise<void>;
}

/** Starts Alertmanager, then Prometheus scraping `jobs` (by network alias) and sending to it. */
export async function startAlertStack(
  network: StartedNetwork,
  jobs: Array<{ job: string; targets: string[] }>,
): Promise<AlertStack> {
  const settings = loadSettings(REPO_ROOT);
  const alertmanager = await new AlertmanagerContainer()
    .withNetwork(network)
    .withNetworkAliases('alertmanager')
    .withConfig(renderAlertmanagerConfig(settings, 'test'))
    .start();
  const rules = [...renderRuleFiles(loadRuleFiles(REPO_ROOT), settings, 'test')];
  const prometheus = await new PrometheusContainer()
    .withNetwork(network)
    .withConfig(renderPrometheusConfig(settings, 'test', { jobs, alertmanagers: ['alertmanager:9093'] }))
    .withCopyContentToContainer(rules.map(([file, content]) => ({ content, target: file })))
    .start();
  const alertsUrl = `${alertmanager.url}/api/v2/alerts`;
  return {
    prometheus,
    alertmanager,
    async activeAlerts(alertname) {
      const filter = new URLSearchParams({ filter: `alertname="${alertname}"`, active: 'true' });
      const alerts = (await (await fetch(`${alertsUrl}?${filter}`)).json()) as AlertmanagerAlert[];
      return alerts.filter((a) => a.status.state === 'active').map((a) => a.labels);
    },
    async stop() {
      await prometheus.stop();
      await alertmanager.stop();
    },
  };
}
