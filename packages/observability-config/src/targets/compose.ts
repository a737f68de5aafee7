// Local target: Grafana's file provisioning and Prometheus rule files for the compose stack.
import { stringify } from 'yaml';
import type { DashboardSource } from '../dashboards.ts';
import { dashboardFileContent } from '../dashboards.ts';
import { generatedHeader, generatedReadme } from '../generated-header.ts';
import { SOURCE, TARGET } from '../paths.ts';
import type { RuleFile } from '../rules.ts';
import { renderRuleGroups } from '../rules.ts';
import type { Settings } from '../settings.ts';

/** Folder (inside the Grafana container) that compose mounts compose/grafana/provisioning at. */
export const GRAFANA_PROVISIONING_MOUNT = '/etc/grafana/provisioning';
export const DASHBOARD_FOLDER = { title: 'Telemetry kit', uid: 'telemetry-kit' } as const;

export function yamlDocument(value: unknown): string {
  return stringify(value, { lineWidth: 0 });
}

export function renderCompose(
  dashboards: DashboardSource[],
  ruleFiles: RuleFile[],
  settings: Settings,
): Map<string, string> {
  const files = new Map<string, string>();
  const dashboardDir = `${TARGET.composeDashboards}/${DASHBOARD_FOLDER.uid}`;
  const provider = {
    apiVersion: 1,
    providers: [
      {
        name: DASHBOARD_FOLDER.uid,
        orgId: 1,
        folder: DASHBOARD_FOLDER.title,
        folderUid: DASHBOARD_FOLDER.uid,
        type: 'file',
        disableDeletion: true,
        allowUiUpdates: false,
        updateIntervalSeconds: 30,
        options: {
          path: `${GRAFANA_PROVISIONING_MOUNT}/dashboards/${DASHBOARD_FOLDER.uid}`,
          foldersFromFilesStructure: false,
        },
      },
    ],
  };
  files.set(
    `${TARGET.composeDashboards}/${DASHBOARD_FOLDER.uid}.yaml`,
    generatedHeader(`${SOURCE.dashboards}/`) + yamlDocument(provider),
  );
  files.set(
    `${dashboardDir}/README.md`,
    generatedReadme('Grafana dashboards for compose', `${SOURCE.dashboards}/*.ts`),
  );
  for (const dashboard of dashboards)
    files.set(`${dashboardDir}/${dashboard.uid}.generated.json`, dashboardFileContent(dashboard));

  for (const ruleFile of ruleFiles) {
    const groups = renderRuleGroups(ruleFile.groups, settings, 'development');
    files.set(
      `${TARGET.composeRules}/${ruleFile.file}`,
      generatedHeader(
        `${SOURCE.alerts}/${ruleFile.file} with the development settings of ${SOURCE.settings}`,
      ) + yamlDocument({ groups }),
    );
  }
  return files;
}
