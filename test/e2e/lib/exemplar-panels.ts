import { loadDashboards } from '@telemetry-kit/observability-config/dashboards';
import { REPO_ROOT } from '@telemetry-kit/observability-config/paths';
import type { LocatedQuery } from '@telemetry-kit/observability-config/validate';
import { dashboardQueries, substituteMacros } from '@telemetry-kit/observability-config/validate';

/** Series Tempo's metrics-generator writes; their exemplars come from Tempo, not from the services. */
const FROM_TEMPO = /\btraces_(spanmetrics|service_graph)_/;

/** The panel queries that ask Grafana for exemplars, over the services' histograms or Tempo's series. */
export async function exemplarPanels(source: 'services' | 'tempo'): Promise<LocatedQuery[]> {
  return (await loadDashboards(REPO_ROOT))
    .flatMap(dashboardQueries)
    .filter((q) => q.exemplar && FROM_TEMPO.test(q.expr) === (source === 'tempo'));
}

/** A panel query as Grafana would send it with every service selected. */
export const panelPromql = (panel: LocatedQuery) => substituteMacros(panel.expr.replaceAll('$job', '.+'));

export interface ExemplarSeries {
  seriesLabels: Record<string, string>;
  exemplars: Array<{ labels: Record<string, string>; value: string; timestamp: number }>;
}

/** Prometheus's /api/v1/query_exemplars over the last 15 minutes. */
export async function queryExemplars(prometheusUrl: string, promql: string): Promise<ExemplarSeries[]> {
  const now = Date.now() / 1000;
  const params = new URLSearchParams({ query: promql, start: String(now - 900), end: String(now + 60) });
  const response = await fetch(`${prometheusUrl}/api/v1/query_exemplars?${params}`);
  const body = (await response.json()) as { status: string; data?: ExemplarSeries[]; error?: string };
  if (body.status !== 'success') throw new Error(`query_exemplars ${promql}: ${body.error}`);
  return body.data ?? [];
}
