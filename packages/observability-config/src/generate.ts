import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { DashboardSource } from './dashboards.ts';
import { loadDashboards } from './dashboards.ts';
import { TARGET } from './paths.ts';
import type { RuleFile } from './rules.ts';
import { isAlertingRule, loadRuleFiles } from './rules.ts';
import type { CatalogueService } from './services.ts';
import { loadServiceCatalogue } from './services.ts';
import type { Settings } from './settings.ts';
import { loadSettings, unknownThresholdAlerts } from './settings.ts';
import { renderAlloyValues } from './targets/alloy-values.ts';
import { renderBackendValues } from './targets/backend-values.ts';
import { renderCompose } from './targets/compose.ts';
import { renderComposeSettings } from './targets/compose-settings.ts';
import { DEVELOPMENT_FLAGS_DIR, renderDevelopmentFlags } from './targets/flags.ts';
import type { RoutingPolicy } from './targets/kubernetes.ts';
import { loadRoutingPolicy, renderKubernetes } from './targets/kubernetes.ts';
import { renderScrapeTargets, TARGETS_DIR } from './targets/scrape-targets.ts';
import { loadComposeDatasources, renderStackValues } from './targets/stack-values.ts';
import { renderTerraform } from './targets/terraform.ts';

export interface Sources {
  settings: Settings;
  dashboards: DashboardSource[];
  ruleFiles: RuleFile[];
  routingPolicy: RoutingPolicy;
  datasources: ReturnType<typeof loadComposeDatasources>;
  catalogue: CatalogueService[];
  root: string;
}

export async function loadSources(root: string): Promise<Sources> {
  return {
    settings: loadSettings(root),
    dashboards: await loadDashboards(root),
    ruleFiles: loadRuleFiles(root),
    routingPolicy: loadRoutingPolicy(root),
    datasources: loadComposeDatasources(root),
    catalogue: loadServiceCatalogue(root),
    root,
  };
}

/** Folders that hold nothing but generated files: a file there that the generator no longer writes is stale. */
export const GENERATED_DIRS = [
  TARGET.composeDashboards,
  TARGET.composeRules,
  DEVELOPMENT_FLAGS_DIR,
  `${TARGET.k8sBase}/dashboards`,
  `${TARGET.k8sBase}/rules`,
  `${TARGET.k8sBase}/workloads`,
  `${TARGETS_DIR}/containers`,
  `${TARGETS_DIR}/native`,
  TARGET.k8sComponents,
  `${TARGET.terraformModule}/dashboards`,
] as const;

/** Every generated file, by path relative to the repository root. */
export function renderTargets(sources: Sources): Map<string, string> {
  const { settings, dashboards, ruleFiles, routingPolicy, datasources, catalogue, root } = sources;
  const alerts = ruleFiles.flatMap((f) =>
    f.groups.flatMap((g) => g.rules.filter(isAlertingRule).map((r) => r.alert)),
  );
  const unknown = unknownThresholdAlerts(settings, alerts);
  if (unknown.length > 0) throw new Error(unknown.join('\n'));
  return new Map([
    ...renderCompose(dashboards, ruleFiles, settings),
    ...renderComposeSettings(root, settings),
    ...renderDevelopmentFlags(root, settings),
    ...renderKubernetes(dashboards, ruleFiles, settings, routingPolicy, catalogue, root),
    ...renderStackValues(datasources, settings),
    ...renderAlloyValues(root, settings),
    ...renderBackendValues(root, settings),
    ...renderScrapeTargets(catalogue),
    ...renderTerraform(dashboards, settings),
  ]);
}

function filesUnder(root: string, dir: string): string[] {
  try {
    return readdirSync(path.join(root, dir), { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'));
  } catch {
    return []; // a folder not generated yet holds nothing stale
  }
}

/** Generated files present under `root` that the generator would not write (left over from a rename). */
export function staleFiles(root: string, files: Map<string, string>): string[] {
  return GENERATED_DIRS.flatMap((dir) => filesUnder(root, dir)).filter((file) => !files.has(file));
}

/** Generated files under `root` whose content differs from what the source gives (missing ones included). */
export function differingFiles(root: string, files: Map<string, string>): string[] {
  const read = (file: string) => {
    try {
      return readFileSync(path.join(root, file), 'utf8');
    } catch {
      return undefined;
    }
  };
  return [...files].filter(([file, content]) => read(file) !== content).map(([file]) => file);
}

/** Writes every generated file under `outRoot` and deletes stale ones; returns what it wrote and removed. */
export function writeTargets(
  outRoot: string,
  files: Map<string, string>,
): { written: string[]; removed: string[] } {
  const removed = staleFiles(outRoot, files);
  for (const file of removed) rmSync(path.join(outRoot, file));
  for (const [file, content] of files) {
    mkdirSync(path.dirname(path.join(outRoot, file)), { recursive: true });
    writeFileSync(path.join(outRoot, file), content);
  }
  return { written: [...files.keys()].sort(), removed };
}
