import { fileURLToPath } from 'node:url';

/** The repository root: packages/observability-config/src → ../../.. */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Where the single source lives and where each target is written, relative to a root. */
export const SOURCE = {
  settings: 'grafana/environments.yaml',
  dashboards: 'grafana/dashboards',
  alerts: 'grafana/alerts',
  alertTests: 'grafana/alerts/tests',
  catalogue: 'docs/metrics.md',
  infrastructureCatalogue: 'grafana/infrastructure-metrics.md',
  /** Alertmanager's grouping, timers and inhibition, which every environment's routing follows. */
  alertmanagerPolicy: 'compose/alertmanager/alertmanager.yml',
} as const;

export const TARGET = {
  composeDashboards: 'compose/grafana/provisioning/dashboards',
  composeRules: 'compose/prometheus/rules',
  /** Hand-written configuration with development's settings written into it (retention, intervals). */
  composePrometheus: 'compose/prometheus/prometheus.yml',
  composeLoki: 'compose/loki/loki.yaml',
  composeTempo: 'compose/tempo/tempo.yaml',
  k8sBase: 'k8s/base',
  k8sOverlays: 'k8s/overlays',
  k8sComponents: 'k8s/components',
  terraformModule: 'terraform/modules/grafana',
  terraformStackModule: 'terraform/modules/observability-stack',
  terraformEnvironments: 'terraform/environments',
} as const;

/** The command that writes every generated file; generated files name it in their header. */
export const GENERATE_COMMAND = 'npm run generate';
