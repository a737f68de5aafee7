import { readdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import type { Dashboard, Panel, RowPanel } from '@grafana/grafana-foundation-sdk/dashboard';
import { SOURCE } from './paths.ts';

export interface DashboardSource {
  /** Source file under grafana/dashboards/, e.g. `rituals.ts`. */
  file: string;
  uid: string;
  title: string;
  /** The dashboard JSON model every target receives, unchanged. */
  json: Dashboard;
}

// Panel ids must be stable for links to a panel (viewPanel=<id>); the builders leave them unset.
function withPanelIds(dashboard: Dashboard): Dashboard {
  let next = 1;
  const panels = (dashboard.panels ?? []).map((panel: Panel | RowPanel) => ({ ...panel, id: next++ }));
  return { ...dashboard, panels };
}

function isBuilder(value: unknown): value is cog.Builder<Dashboard> {
  return (
    typeof value === 'object' && value !== null && typeof (value as { build?: unknown }).build === 'function'
  );
}

/** Imports every grafana/dashboards/*.ts (default export: a DashboardBuilder) and builds its JSON. */
export async function loadDashboards(root: string): Promise<DashboardSource[]> {
  const dir = path.join(root, SOURCE.dashboards);
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.ts'))
    .sort();
  const dashboards: DashboardSource[] = [];
  for (const file of files) {
    const module = (await import(pathToFileURL(path.join(dir, file)).href)) as { default?: unknown };
    if (!isBuilder(module.default)) {
      throw new Error(
        `${SOURCE.dashboards}/${file} must export default a DashboardBuilder (kitDashboard(...))`,
      );
    }
    const json = withPanelIds(module.default.build());
    if (!json.uid || !json.title)
      throw new Error(`${SOURCE.dashboards}/${file}: the dashboard needs a uid and a title`);
    dashboards.push({ file, uid: json.uid, title: json.title, json });
  }
  return dashboards;
}

/** Canonical JSON: keys sorted at every level, so equal content always serialises (and hashes) equally. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)),
        )
      : v,
  );
}

/** The dashboard file every target ships: two-space JSON with a trailing newline. */
export function dashboardFileContent(dashboard: DashboardSource): string {
  return `${JSON.stringify(dashboard.json, null, 2)}\n`;
}
