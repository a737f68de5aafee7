// Kubernetes target: kustomize base (one ConfigMap per dashboard, one PrometheusRule per rule file)
// and overlays that carry only what differs per environment, all derived from grafana/environments.yaml.

import { PodMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor';
import { PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';
import { AlertmanagerConfig } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1alpha1/AlertmanagerConfig';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { DashboardSource } from '../dashboards.ts';
import { dashboardFileContent } from '../dashboards.ts';
import { generatedHeader } from '../generated-header.ts';
import { SOURCE, TARGET } from '../paths.ts';
import { topLevelThreshold } from '../query-languages.ts';
import type { RuleFile } from '../rules.ts';
import { isAlertingRule, renderRuleGroups } from '../rules.ts';
import type { DeployedEnvironment, Receiver, Settings } from '../settings.ts';
import { thresholdFor } from '../settings.ts';
import { DASHBOARD_FOLDER, yamlDocument } from './compose.ts';

/** Kubernetes rejects a last-applied-configuration annotation of 262144 bytes or more. */
export const ANNOTATION_LIMIT_BYTES = 262_144;
export const NAMESPACE = 'telemetry-kit';
export const KUBERNETES_ENVIRONMENTS = ['staging', 'production'] as const satisfies DeployedEnvironment[];
/** Secret (created outside git) holding each receiver's webhook URL / routing key under the receiver's name. */
export const RECEIVER_SECRET = 'alertmanager-receivers';

export const dashboardConfigMapName = (uid: string) => `grafana-dashboard-${uid}`;
export const prometheusRuleName = (file: string) => `kit-${file.replace(/\.ya?ml$/, '')}`;

function dashboardConfigMap(dashboard: DashboardSource): ConfigMap {
  const configMap = new ConfigMap({
    metadata: {
      name: dashboardConfigMapName(dashboard.uid),
      labels: { grafana_dashboard: '1' },
      // The Grafana sidecar files a dashboard into the folder this annotation names.
      annotations: { grafana_folder: DASHBOARD_FOLDER.title },
    },
    data: { [`${dashboard.uid}.json`]: dashboardFileContent(dashboard) },
  });
  const size = Buffer.byteLength(JSON.stringify(configMap.toJSON()));
  if (size >= ANNOTATION_LIMIT_BYTES) {
    throw new Error(
      `${SOURCE.dashboards}/${dashboard.file}: its ConfigMap is ${size} bytes, over the ${ANNOTATION_LIMIT_BYTES}-byte ` +
        'annotation limit of kubectl apply — split the dashboard',
    );
  }
  return configMap;
}

function prometheusRule(ruleFile: RuleFile, settings: Settings): PrometheusRule {
  // The base carries the rules as written (thresholds at their declared default); overlays patch deltas.
  const groups = renderRuleGroups(ruleFile.groups, { ...settings, thresholds: [] }, 'development');
  return new PrometheusRule({
    metadata: { name: prometheusRuleName(ruleFile.file) },
    spec: { groups: groups as PrometheusRule['spec']['groups'] },
  });
}

function podMonitor(interval: string | undefined): PodMonitor {
  return new PodMonitor({
    metadata: { name: 'telemetry-kit-services' },
    spec: {
      // `job` is the service name, as docs/metrics.md requires.
      jobLabel: 'app.kubernetes.io/name',
      selector: { matchLabels: { 'app.kubernetes.io/part-of': 'telemetry-kit' } },
      podMetricsEndpoints: [{ port: 'http', path: '/metrics', ...(interval ? { interval } : {}) }],
    },
  });
}

function manifest(source: string, model: { toJSON(): unknown }): string {
  return generatedHeader(source) + yamlDocument(model.toJSON());
}

function alertmanagerConfig(receivers: Receiver[]): AlertmanagerConfig {
  const notifying = receivers.filter((r) => r.kind !== 'pagerduty');
  const paging = receivers.filter((r) => r.kind === 'pagerduty');
  const defaultReceiver = (notifying[0] ?? receivers[0])?.name ?? 'none';
  return new AlertmanagerConfig({
    metadata: { name: 'telemetry-kit' },
    spec: {
      route: {
        receiver: defaultReceiver,
        groupBy: ['alertname', 'job'],
        routes: paging.map((r) => ({
          receiver: r.name,
          matchers: [{ name: 'severity', matchType: '=~', value: r.severities.join('|') }],
          continue: true,
        })),
      },
      receivers: receivers.map((r) => {
        const secret = { name: RECEIVER_SECRET, key: r.name };
        switch (r.kind) {
          case 'alertmanager-ui':
            return { name: r.name };
          case 'webhook':
            return { name: r.name, webhookConfigs: [{ url: r.url, sendResolved: true }] };
          case 'slack':
            return {
              name: r.name,
              slackConfigs: [{ channel: r.channel, apiURL: secret, sendResolved: true }],
            };
          default:
            return { name: r.name, pagerdutyConfigs: [{ routingKey: secret, sendResolved: true }] };
        }
      }),
    },
  });
}

/** JSON patches for the thresholds declared to differ in `env` from the value the base carries. */
function thresholdPatches(ruleFiles: RuleFile[], settings: Settings, env: DeployedEnvironment) {
  const patches: Array<{ target: Record<string, string>; patch: string }> = [];
  for (const ruleFile of ruleFiles) {
    ruleFile.groups.forEach((group, g) => {
      group.rules.forEach((rule, r) => {
        if (!isAlertingRule(rule)) return;
        const value = thresholdFor(settings, rule.alert, env);
        const written = topLevelThreshold(rule.expr)?.value;
        if (value === undefined || value === written) return;
        const [rendered] = renderRuleGroups([{ ...group, rules: [rule] }], settings, env);
        patches.push({
          target: {
            group: 'monitoring.coreos.com',
            version: 'v1',
            kind: 'PrometheusRule',
            name: prometheusRuleName(ruleFile.file),
          },
          patch: yamlDocument([
            { op: 'replace', path: `/spec/groups/${g}/rules/${r}/expr`, value: rendered?.rules[0]?.expr },
          ]),
        });
      });
    });
  }
  return patches;
}

export function renderKubernetes(
  dashboards: DashboardSource[],
  ruleFiles: RuleFile[],
  settings: Settings,
): Map<string, string> {
  const files = new Map<string, string>();
  const base = TARGET.k8sBase;
  const staging = settings.environments.staging;
  const production = settings.environments.production;
  const sharedInterval =
    staging.scrapeInterval === production.scrapeInterval ? staging.scrapeInterval : undefined;

  const resources: string[] = ['pod-monitor.yaml'];
  files.set(`${base}/pod-monitor.yaml`, manifest(SOURCE.settings, podMonitor(sharedInterval)));
  for (const dashboard of dashboards) {
    const file = `dashboards/${dashboard.uid}.yaml`;
    resources.push(file);
    files.set(
      `${base}/${file}`,
      manifest(`${SOURCE.dashboards}/${dashboard.file}`, dashboardConfigMap(dashboard)),
    );
  }
  for (const ruleFile of ruleFiles) {
    const file = `rules/${ruleFile.file.replace(/\.yml$/, '.yaml')}`;
    resources.push(file);
    files.set(
      `${base}/${file}`,
      manifest(`${SOURCE.alerts}/${ruleFile.file}`, prometheusRule(ruleFile, settings)),
    );
  }
  files.set(
    `${base}/kustomization.yaml`,
    generatedHeader(`${SOURCE.dashboards}/, ${SOURCE.alerts}/ and ${SOURCE.settings}`) +
      yamlDocument({
        apiVersion: 'kustomize.config.k8s.io/v1beta1',
        kind: 'Kustomization',
        namespace: NAMESPACE,
        labels: [{ pairs: { 'app.kubernetes.io/part-of': 'telemetry-kit' }, includeSelectors: false }],
        resources,
      }),
  );

  for (const env of KUBERNETES_ENVIRONMENTS) {
    const envSettings = settings.environments[env];
    const dir = `${TARGET.k8sOverlays}/${env}`;
    const patches = thresholdPatches(ruleFiles, settings, env);
    if (!sharedInterval) {
      patches.push({
        target: {
          group: 'monitoring.coreos.com',
          version: 'v1',
          kind: 'PodMonitor',
          name: 'telemetry-kit-services',
        },
        patch: yamlDocument([
          { op: 'add', path: '/spec/podMetricsEndpoints/0/interval', value: envSettings.scrapeInterval },
        ]),
      });
    }
    files.set(
      `${dir}/alertmanager-config.yaml`,
      manifest(`the ${env} receivers in ${SOURCE.settings}`, alertmanagerConfig(envSettings.receivers)),
    );
    files.set(
      `${dir}/kustomization.yaml`,
      generatedHeader(`the ${env} settings in ${SOURCE.settings}`) +
        yamlDocument({
          apiVersion: 'kustomize.config.k8s.io/v1beta1',
          kind: 'Kustomization',
          labels: [{ pairs: { environment: env }, includeSelectors: false }],
          resources: ['../../base', 'alertmanager-config.yaml'],
          configMapGenerator: [
            {
              name: 'telemetry-environment',
              literals: [`ENVIRONMENT=${env}`, `LOKI_RETENTION_PERIOD=${envSettings.lokiRetention}`],
            },
          ],
          ...(patches.length > 0 ? { patches } : {}),
        }),
    );
  }
  return files;
}
