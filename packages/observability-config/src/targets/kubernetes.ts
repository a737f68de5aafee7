// Kubernetes target: kustomize base (one ConfigMap per dashboard, one PrometheusRule per rule file)
// and overlays that carry only what differs per environment, all derived from grafana/environments.yaml.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PodMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor';
import { PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';
import { AlertmanagerConfig } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1alpha1/AlertmanagerConfig';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { parse } from 'yaml';
import type { DashboardSource } from '../dashboards.ts';
import { dashboardFileContent } from '../dashboards.ts';
import { generatedHeader } from '../generated-header.ts';
import { SOURCE, TARGET } from '../paths.ts';
import { pinnedImage } from '../pins.ts';
import { topLevelThreshold } from '../query-languages.ts';
import type { RuleFile } from '../rules.ts';
import { isAlertingRule, renderRuleGroups } from '../rules.ts';
import type { CatalogueService } from '../services.ts';
import { COMPOSE_FILE, loadDatabaseFacts } from '../services.ts';
import type { DeployedEnvironment, Receiver, Settings } from '../settings.ts';
import { KUBERNETES_ENVIRONMENTS, thresholdFor } from '../settings.ts';
import { DASHBOARD_FOLDER, yamlDocument } from './compose.ts';
import { FLAG_DEFINITION, renderFlags } from './flags.ts';
import { POD_TEMPLATE_HASH, SMOKE_SCRIPT } from './rollouts.ts';
import {
  ENVIRONMENT_CONFIG_MAP,
  flagsConfigMap,
  imageName,
  placement,
  renderWorkloads,
} from './workloads.ts';

/** Kubernetes rejects a last-applied-configuration annotation of 262144 bytes or more. */
export const ANNOTATION_LIMIT_BYTES = 262_144;
/** The environment the Kubernetes base is rendered for; overlays patch what another one declares differently. */
const BASE_ENVIRONMENT = 'staging' satisfies DeployedEnvironment;
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

/** The label kube-prometheus-stack's Prometheus selects PrometheusRules and PodMonitors by. */
const stackSelector = (settings: Settings) => ({ release: settings.kubernetes.stackRelease });

function prometheusRule(ruleFile: RuleFile, settings: Settings): PrometheusRule {
  // The base carries the rules as written (thresholds at their declared default); overlays patch deltas.
  const groups = renderRuleGroups(ruleFile.groups, { ...settings, thresholds: [] }, BASE_ENVIRONMENT);
  return new PrometheusRule({
    metadata: { name: prometheusRuleName(ruleFile.file), labels: stackSelector(settings) },
    spec: { groups: groups as PrometheusRule['spec']['groups'] },
  });
}

function podMonitor(interval: string | undefined, settings: Settings): PodMonitor {
  return new PodMonitor({
    metadata: { name: 'telemetry-kit-services', labels: stackSelector(settings) },
    spec: {
      // `job` is the service name, as docs/metrics.md requires.
      jobLabel: 'app.kubernetes.io/name',
      selector: { matchLabels: { 'app.kubernetes.io/part-of': 'telemetry-kit' } },
      podMetricsEndpoints: [{ port: 'http', path: '/metrics', ...(interval ? { interval } : {}) }],
      // Each version's pods (Argo Rollouts' label) on their series: the rollout gates select the new ones.
      podTargetLabels: [POD_TEMPLATE_HASH],
    },
  });
}

/** compose's Alertmanager routing policy (grouping, timers, inhibition): the one source of it. */
export interface RoutingPolicy {
  groupBy: string[];
  groupWait?: string;
  groupInterval?: string;
  repeatInterval?: string;
  inhibitRules: Array<{ sourceMatchers: string[]; targetMatchers: string[]; equal: string[] }>;
}

/** Reads the routing policy from compose/alertmanager/alertmanager.yml. */
export function loadRoutingPolicy(root: string): RoutingPolicy {
  const config = parse(readFileSync(path.join(root, SOURCE.alertmanagerPolicy), 'utf8')) as {
    route: { group_by?: string[]; group_wait?: string; group_interval?: string; repeat_interval?: string };
    inhibit_rules?: Array<{ source_matchers?: string[]; target_matchers?: string[]; equal?: string[] }>;
  };
  const { route } = config;
  return {
    groupBy: route.group_by ?? [],
    ...(route.group_wait ? { groupWait: route.group_wait } : {}),
    ...(route.group_interval ? { groupInterval: route.group_interval } : {}),
    ...(route.repeat_interval ? { repeatInterval: route.repeat_interval } : {}),
    inhibitRules: (config.inhibit_rules ?? []).map((r) => ({
      sourceMatchers: r.source_matchers ?? [],
      targetMatchers: r.target_matchers ?? [],
      equal: r.equal ?? [],
    })),
  };
}

/** `severity="critical"` or `severity=~"critical|warning"` → an AlertmanagerConfig matcher. */
function crMatcher(text: string) {
  const match = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"?(.*?)"?\s*$/.exec(text);
  if (!match) throw new Error(`${SOURCE.alertmanagerPolicy}: cannot read the matcher ${text}`);
  const [, name = '', matchType = '=', value = ''] = match;
  return { name, matchType: matchType as '=' | '!=' | '=~' | '!~', value };
}

function alertmanagerConfig(
  receivers: Receiver[],
  policy: RoutingPolicy,
  settings: Settings,
): AlertmanagerConfig {
  const notifying = receivers.filter((r) => r.kind !== 'pagerduty');
  const paging = receivers.filter((r) => r.kind === 'pagerduty');
  const defaultReceiver = (notifying[0] ?? receivers[0])?.name ?? 'none';
  return new AlertmanagerConfig({
    metadata: { name: 'telemetry-kit', labels: stackSelector(settings) },
    spec: {
      route: {
        receiver: defaultReceiver,
        groupBy: policy.groupBy,
        ...(policy.groupWait ? { groupWait: policy.groupWait } : {}),
        ...(policy.groupInterval ? { groupInterval: policy.groupInterval } : {}),
        ...(policy.repeatInterval ? { repeatInterval: policy.repeatInterval } : {}),
        // A paged alert goes on (continue) to the notifying receivers too: an alert that matched a
        // child route never falls back to the parent's receiver, so they get a catch-all route each.
        routes: [
          ...paging.map((r) => ({
            receiver: r.name,
            matchers: [{ name: 'severity', matchType: '=~' as const, value: r.severities.join('|') }],
            continue: true,
          })),
          ...(paging.length > 0 ? notifying.map((r) => ({ receiver: r.name, continue: true })) : []),
        ],
      },
      inhibitRules: policy.inhibitRules.map((rule) => ({
        sourceMatch: rule.sourceMatchers.map(crMatcher),
        targetMatch: rule.targetMatchers.map(crMatcher),
        equal: rule.equal,
      })),
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

/** JSON patches that set every group's interval to `env`'s, where it differs from the base's. */
function intervalPatches(ruleFiles: RuleFile[], settings: Settings, env: DeployedEnvironment) {
  const interval = settings.environments[env].evaluationInterval;
  if (interval === settings.environments[BASE_ENVIRONMENT].evaluationInterval) return [];
  return ruleFiles.map((ruleFile) => ({
    target: {
      group: 'monitoring.coreos.com',
      version: 'v1',
      kind: 'PrometheusRule',
      name: prometheusRuleName(ruleFile.file),
    },
    patch: yamlDocument(
      ruleFile.groups.map((_, g) => ({ op: 'replace', path: `/spec/groups/${g}/interval`, value: interval })),
    ),
  }));
}

/** A generated manifest file: the header, then each object as a YAML document. */
function manifests(source: string, models: Array<{ toJSON(): unknown }>): string {
  return generatedHeader(source) + models.map((m) => yamlDocument(m.toJSON())).join('---\n');
}

const manifest = (source: string, model: { toJSON(): unknown }) => manifests(source, [model]);

/** The version the services' images are tagged with unless a deploy sets another (root package.json). */
function releaseVersion(root: string): string {
  return (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }).version;
}

export function renderKubernetes(
  dashboards: DashboardSource[],
  ruleFiles: RuleFile[],
  settings: Settings,
  policy: RoutingPolicy,
  catalogue: CatalogueService[],
  root: string,
): Map<string, string> {
  const workloads = renderWorkloads(catalogue, settings, loadDatabaseFacts(root), {
    ruleFiles,
    smokeScript: readFileSync(path.join(root, SMOKE_SCRIPT), 'utf8'),
    nodeImage: pinnedImage(root, 'NODE_IMAGE'),
  });
  const version = releaseVersion(root);
  const image = (service: string) => ({
    name: imageName(service),
    newName: `${settings.kubernetes.imageRegistry}/${service}`,
    newTag: version,
  });
  const catalogueSource = `${COMPOSE_FILE} (the service catalogue) and ${SOURCE.settings}`;
  const files = new Map<string, string>();
  const base = TARGET.k8sBase;
  const staging = settings.environments.staging;
  const production = settings.environments.production;
  const sharedInterval =
    staging.scrapeInterval === production.scrapeInterval ? staging.scrapeInterval : undefined;

  const resources: string[] = [];
  for (const [file, models] of workloads.base) {
    resources.push(`workloads/${file}`);
    files.set(`${base}/workloads/${file}`, manifests(catalogueSource, models));
  }
  for (const [name, models] of workloads.components) {
    const dir = `${TARGET.k8sComponents}/${name}`;
    files.set(`${dir}/${name}.yaml`, manifests(catalogueSource, models));
    files.set(
      `${dir}/kustomization.yaml`,
      generatedHeader(catalogueSource) +
        yamlDocument({
          apiVersion: 'kustomize.config.k8s.io/v1alpha1',
          kind: 'Component',
          resources: [`${name}.yaml`],
          // The base's images transformer does not reach a component's resources.
          images: [image(name)],
        }),
    );
  }
  resources.push('pod-monitor.yaml');
  files.set(`${base}/pod-monitor.yaml`, manifest(SOURCE.settings, podMonitor(sharedInterval, settings)));
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
        namespace: settings.kubernetes.namespace,
        labels: [{ pairs: { 'app.kubernetes.io/part-of': 'telemetry-kit' }, includeSelectors: false }],
        resources,
        // Where the images are pushed; a deploy sets the tag it built (kustomize edit set image).
        images: catalogue
          .filter((service) => placement(service) === 'base')
          .map((service) => image(service.name)),
      }),
  );

  for (const env of KUBERNETES_ENVIRONMENTS) {
    const envSettings = settings.environments[env];
    const dir = `${TARGET.k8sOverlays}/${env}`;
    const overlay = workloads.overlays.get(env);
    const patches = [
      ...thresholdPatches(ruleFiles, settings, env),
      ...intervalPatches(ruleFiles, settings, env),
      ...(overlay?.patches ?? []).map((p) => ({ target: p.target, patch: yamlDocument(p.patch) })),
    ];
    files.set(
      `${dir}/workloads.yaml`,
      manifests(`the ${env} workloads in ${SOURCE.settings}, ${COMPOSE_FILE} and ${FLAG_DEFINITION}`, [
        ...(overlay?.objects ?? []),
        flagsConfigMap(renderFlags(root, settings, env)),
      ]),
    );
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
      manifest(
        `the ${env} receivers in ${SOURCE.settings} and the routing policy of ${SOURCE.alertmanagerPolicy}`,
        alertmanagerConfig(envSettings.receivers, policy, settings),
      ),
    );
    files.set(
      `${dir}/kustomization.yaml`,
      generatedHeader(`the ${env} settings in ${SOURCE.settings}`) +
        yamlDocument({
          apiVersion: 'kustomize.config.k8s.io/v1beta1',
          kind: 'Kustomization',
          // The overlay's own objects (the AlertmanagerConfig, the environment ConfigMap) land there too.
          namespace: settings.kubernetes.namespace,
          labels: [{ pairs: { environment: env }, includeSelectors: false }],
          resources: ['../../base', 'alertmanager-config.yaml', 'workloads.yaml'],
          ...(overlay && overlay.components.length > 0
            ? { components: overlay.components.map((name) => `../../components/${name}`) }
            : {}),
          configMapGenerator: [
            {
              name: ENVIRONMENT_CONFIG_MAP,
              literals: [`ENVIRONMENT=${env}`, `DEPLOYMENT_ENVIRONMENT=${env}`],
            },
          ],
          ...(patches.length > 0 ? { patches } : {}),
        }),
    );
  }
  return files;
}
