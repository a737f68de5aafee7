// Prometheus and Alertmanager configuration as an environment's settings shape them: scrape and
// evaluation intervals, rule files rendered for the environment, receivers. The live alert scenario
// (test/alerts) runs these with the short-interval `test` settings.
import type { RuleFile } from '../rules.ts';
import { renderRuleGroups } from '../rules.ts';
import type { EnvironmentName, Settings } from '../settings.ts';
import { yamlDocument } from './compose.ts';

export interface ScrapeJob {
  /** The job name is the service name: alerts and dashboards select by it. */
  job: string;
  targets: string[];
  metricsPath?: string;
  /** Labels of single targets (a rollout's pod-template hash, as the PodMonitor copies it in a cluster). */
  targetLabels?: Record<string, Record<string, string>>;
}

export const RULES_DIR = '/etc/prometheus/rules';

/** Rule files for `env`, keyed by their path inside the Prometheus container. */
export function renderRuleFiles(
  ruleFiles: RuleFile[],
  settings: Settings,
  env: EnvironmentName,
): Map<string, string> {
  return new Map(
    ruleFiles.map((f) => [
      `${RULES_DIR}/${f.file}`,
      yamlDocument({ groups: renderRuleGroups(f.groups, settings, env) }),
    ]),
  );
}

export function renderPrometheusConfig(
  settings: Settings,
  env: EnvironmentName,
  options: { jobs: ScrapeJob[]; alertmanagers: string[] },
): string {
  const envSettings = settings.environments[env];
  return yamlDocument({
    global: {
      scrape_interval: envSettings.scrapeInterval,
      evaluation_interval: envSettings.evaluationInterval,
      external_labels: { environment: env },
    },
    rule_files: [`${RULES_DIR}/*.yml`],
    alerting: { alertmanagers: [{ static_configs: [{ targets: options.alertmanagers }] }] },
    scrape_configs: options.jobs.map((j) => ({
      job_name: j.job,
      metrics_path: j.metricsPath ?? '/metrics',
      static_configs: j.targetLabels
        ? j.targets.map((t) => ({
            targets: [t],
            ...(j.targetLabels?.[t] ? { labels: j.targetLabels[t] } : {}),
          }))
        : [{ targets: j.targets }],
    })),
  });
}

/**
 * Alertmanager configuration for an environment's UI and webhook receivers (Slack and PagerDuty
 * receivers need secrets, which only the AlertmanagerConfig of each Kubernetes overlay references).
 * Grouping waits are the environment's evaluation interval, so the short-interval environment notifies at once.
 */
export function renderAlertmanagerConfig(settings: Settings, env: EnvironmentName): string {
  const envSettings = settings.environments[env];
  const plain = envSettings.receivers.flatMap((r) =>
    r.kind === 'webhook' || r.kind === 'alertmanager-ui' ? [r] : [],
  );
  const [first] = plain;
  if (!first) {
    throw new Error(
      `grafana/environments.yaml: ${env} has no alertmanager-ui or webhook receiver for a plain Alertmanager`,
    );
  }
  return yamlDocument({
    route: {
      receiver: first.name,
      group_by: ['alertname', 'job'],
      group_wait: envSettings.evaluationInterval,
      group_interval: envSettings.evaluationInterval,
      repeat_interval: '1h',
    },
    receivers: plain.map((r) =>
      r.kind === 'webhook'
        ? { name: r.name, webhook_configs: [{ url: r.url, send_resolved: true }] }
        : { name: r.name },
    ),
  });
}
