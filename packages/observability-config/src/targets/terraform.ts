// Managed-Grafana target: the files terraform/modules/grafana reads (dashboard JSON) and each
// environment's variable values (environment.generated.auto.tfvars.json), both derived from grafana/.
import type { DashboardSource } from '../dashboards.ts';
import { dashboardFileContent } from '../dashboards.ts';
import { generatedReadme } from '../generated-header.ts';
import { GENERATE_COMMAND, SOURCE, TARGET } from '../paths.ts';
import type { DeployedEnvironment, Settings } from '../settings.ts';

export const TERRAFORM_ENVIRONMENTS = ['staging', 'production'] as const satisfies DeployedEnvironment[];
// `.generated.` says what it is (and keeps Biome's formatter off it); Terraform loads any *.auto.tfvars.json.
export const TFVARS_FILE = 'environment.generated.auto.tfvars.json';

export function renderTerraform(dashboards: DashboardSource[], settings: Settings): Map<string, string> {
  const files = new Map<string, string>();
  const dir = `${TARGET.terraformModule}/dashboards`;
  files.set(
    `${dir}/README.md`,
    generatedReadme('dashboards of the Terraform module', `${SOURCE.dashboards}/*.ts`),
  );
  for (const dashboard of dashboards)
    files.set(`${dir}/${dashboard.uid}.generated.json`, dashboardFileContent(dashboard));

  for (const env of TERRAFORM_ENVIRONMENTS) {
    files.set(
      `${TARGET.terraformEnvironments}/${env}/${TFVARS_FILE}`,
      `${JSON.stringify(terraformVariables(settings, env), null, 2)}\n`,
    );
  }
  return files;
}

/** An environment's variable values, as the settings declare them (npm run parity compares the deployed file). */
export function terraformVariables(settings: Settings, env: (typeof TERRAFORM_ENVIRONMENTS)[number]) {
  const { kubernetes } = settings;
  return {
    // JSON has no comments: the note is a declared variable of its own.
    generated_by: `${GENERATE_COMMAND} from ${SOURCE.settings} — do not edit; edit the settings and regenerate`,
    environment: env,
    // The Helm releases of modules/observability-stack; their values are k8s/overlays/<env>/*.values.yaml.
    kube_prometheus_stack: {
      release: kubernetes.stackRelease,
      chart_version: kubernetes.stackChartVersion,
      namespace: kubernetes.prometheus.namespace,
    },
    alloy: {
      release: kubernetes.collector.release,
      chart_version: kubernetes.collector.chartVersion,
      namespace: kubernetes.collector.namespace,
    },
    loki: {
      release: kubernetes.loki.release,
      chart_version: kubernetes.loki.chartVersion,
      namespace: kubernetes.loki.namespace,
    },
    tempo: {
      release: kubernetes.tempo.release,
      chart_version: kubernetes.tempo.chartVersion,
      namespace: kubernetes.tempo.namespace,
    },
  };
}
