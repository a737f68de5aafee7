// kube-prometheus-stack values for each Kubernetes environment: what a default install of the chart
// needs to load the kit's PrometheusRules, PodMonitor, AlertmanagerConfig and dashboards, and to give
// Grafana the datasources (fixed UIDs, links both ways) the dashboards use. Keys checked against
// prometheus-community/helm-charts at kube-prometheus-stack-88.5.3 (values.yaml, templates/prometheus/
// prometheus.yaml, templates/alertmanager/alertmanager.yaml, templates/grafana/configmaps-datasources.yaml)
// and the grafana subchart 12.11.1 (sidecar.dashboards.folderAnnotation, provider.foldersFromFilesStructure).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { generatedHeader } from '../generated-header.ts';
import { TARGET } from '../paths.ts';
import type { DeployedEnvironment, Settings } from '../settings.ts';
import { KUBERNETES_ENVIRONMENTS } from '../settings.ts';
import { yamlDocument } from './compose.ts';

/** compose's Grafana datasources: the one definition of their UIDs and links. */
export const COMPOSE_DATASOURCES = 'compose/grafana/provisioning/datasources/datasources.yaml';

interface Datasource {
  uid: 'prometheus' | 'alertmanager' | 'loki' | 'tempo';
  url: string;
  jsonData?: Record<string, unknown>;
  [key: string]: unknown;
}

export function loadComposeDatasources(root: string): Datasource[] {
  return (parse(readFileSync(path.join(root, COMPOSE_DATASOURCES), 'utf8')) as { datasources: Datasource[] })
    .datasources;
}

function stackValues(datasources: Datasource[], settings: Settings, env: DeployedEnvironment) {
  const { kubernetes } = settings;
  const envSettings = settings.environments[env];
  // A new object each time: a shared one would be written as a YAML anchor and aliases.
  const selector = () => ({ matchLabels: { release: kubernetes.stackRelease } });
  return {
    prometheus: {
      prometheusSpec: {
        // Explicit selectors: a release with another name still loads the kit's objects.
        ruleSelectorNilUsesHelmValues: false,
        ruleSelector: selector(),
        podMonitorSelectorNilUsesHelmValues: false,
        podMonitorSelector: selector(),
        scrapeInterval: envSettings.scrapeInterval,
        evaluationInterval: envSettings.evaluationInterval,
        // Exemplars from the services' OpenMetrics and Tempo's metrics-generator (remote write).
        enableFeatures: ['exemplar-storage'],
        enableRemoteWriteReceiver: true,
      },
    },
    alertmanager: {
      alertmanagerSpec: {
        alertmanagerConfigSelector: selector(),
        // The operator's default, written out: the kit's AlertmanagerConfig receives only alerts labelled
        // namespace=<its namespace>, which every kit alert keeps (grafana/alerts aggregate by namespace).
        alertmanagerConfigMatcherStrategy: { type: 'OnNamespace' },
      },
    },
    grafana: {
      sidecar: {
        // The chart ignores the grafana_folder annotation the dashboard ConfigMaps carry unless told.
        dashboards: { folderAnnotation: 'grafana_folder', provider: { foldersFromFilesStructure: true } },
        // The chart's own Prometheus and Alertmanager datasources give way to compose's, with the same UIDs.
        datasources: { defaultDatasourceEnabled: false, alertmanager: { enabled: false } },
      },
      additionalDataSources: datasources.map((d) => ({
        ...d,
        url: kubernetes.datasources[d.uid],
        ...(d.uid === 'prometheus'
          ? { jsonData: { ...d.jsonData, timeInterval: envSettings.scrapeInterval } }
          : {}),
      })),
    },
  };
}

/** k8s/overlays/<env>/kube-prometheus-stack.values.yaml for each Kubernetes environment. */
export function renderStackValues(datasources: Datasource[], settings: Settings): Map<string, string> {
  const files = new Map<string, string>();
  for (const env of KUBERNETES_ENVIRONMENTS) {
    files.set(
      `${TARGET.k8sOverlays}/${env}/kube-prometheus-stack.values.yaml`,
      generatedHeader(`the ${env} settings in grafana/environments.yaml and ${COMPOSE_DATASOURCES}`) +
        `# helm upgrade --install ${settings.kubernetes.stackRelease} prometheus-community/kube-prometheus-stack \\\n` +
        `#   --version ${settings.kubernetes.stackChartVersion} --namespace monitoring --values <this file>\n` +
        yamlDocument(stackValues(datasources, settings, env)),
    );
  }
  return files;
}
