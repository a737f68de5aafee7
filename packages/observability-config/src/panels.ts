// Building blocks for the dashboards in grafana/dashboards/: every panel and query gets a pinned
// datasource UID (no ${DS_*} inputs), and links to traces and logs are Explore URLs built here once.
import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import type * as common from '@grafana/grafana-foundation-sdk/common';
import {
  LegendDisplayMode,
  LegendPlacement,
  VizLegendOptionsBuilder,
} from '@grafana/grafana-foundation-sdk/common';
import {
  DashboardBuilder,
  type DashboardLink,
  DashboardLinkBuilder,
  DashboardLinkType,
  QueryVariableBuilder,
} from '@grafana/grafana-foundation-sdk/dashboard';
import { PanelBuilder as LogsPanel } from '@grafana/grafana-foundation-sdk/logs';
import { DataqueryBuilder as LokiQuery } from '@grafana/grafana-foundation-sdk/loki';
import { PanelBuilder as NodeGraphPanel } from '@grafana/grafana-foundation-sdk/nodegraph';
import {
  DataqueryBuilder as PrometheusQuery,
  PromQueryFormat,
} from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder as StatPanel } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as TablePanel } from '@grafana/grafana-foundation-sdk/table';
import { DataqueryBuilder as TempoQuery } from '@grafana/grafana-foundation-sdk/tempo';
import { PanelBuilder as TimeSeriesPanel } from '@grafana/grafana-foundation-sdk/timeseries';

/** The fixed datasource UIDs every environment provisions (compose, Kubernetes, Terraform). */
export const DATASOURCE = {
  prometheus: { type: 'prometheus', uid: 'prometheus' },
  loki: { type: 'loki', uid: 'loki' },
  tempo: { type: 'tempo', uid: 'tempo' },
  alertmanager: { type: 'alertmanager', uid: 'alertmanager' },
} as const satisfies Record<string, common.DataSourceRef>;

/** The Loki stream label that names the service a log line came from (compose/alloy/config.alloy sets it from the compose service). */
export const LOKI_SERVICE_LABEL = 'service';

/** Tag on every kit dashboard; dashboard links list the others by it. */
export const KIT_TAG = 'telemetry-kit';

export function promQuery(
  expr: string,
  legend: string,
  options: { refId?: string; exemplar?: boolean; instant?: boolean; table?: boolean } = {},
): PrometheusQuery {
  const query = new PrometheusQuery()
    .datasource(DATASOURCE.prometheus)
    .expr(expr)
    .legendFormat(legend)
    .refId(options.refId ?? 'A');
  if (options.exemplar) query.exemplar(true);
  if (options.instant) query.instant();
  if (options.table) query.format(PromQueryFormat.Table);
  return query;
}

export function lokiQuery(expr: string, legend = '', refId = 'A'): LokiQuery {
  return new LokiQuery().datasource(DATASOURCE.loki).expr(expr).legendFormat(legend).refId(refId);
}

export function traceqlQuery(query: string, refId = 'A'): TempoQuery {
  return new TempoQuery()
    .datasource(DATASOURCE.tempo)
    .queryType('traceql')
    .query(query)
    .limit(20)
    .refId(refId);
}

// Grafana interpolates ${…} in data link URLs before it navigates, so those must survive the encoding.
function keepTemplateVariables(encoded: string): string {
  return encoded.replace(
    /%24%7B([A-Za-z0-9_.%:]*?)%7D/g,
    (_, name: string) => `\${${decodeURIComponent(name)}}`,
  );
}

/** An Explore URL that opens `query` on the Loki or Tempo datasource over the panel's time range. */
export function exploreUrl(datasource: 'loki' | 'tempo', query: string): string {
  const target =
    datasource === 'loki'
      ? { refId: 'A', datasource: DATASOURCE.loki, expr: query }
      : { refId: 'A', datasource: DATASOURCE.tempo, queryType: 'traceql', query };
  const panes = {
    kit: {
      datasource: DATASOURCE[datasource].uid,
      queries: [target],
      range: { from: `\${__from}`, to: `\${__to}` },
    },
  };
  return `/explore?schemaVersion=1&orgId=1&panes=${keepTemplateVariables(encodeURIComponent(JSON.stringify(panes)))}`;
}

function link(title: string, url: string): DashboardLinkBuilder {
  return new DashboardLinkBuilder(title).type(DashboardLinkType.Link).url(url).targetBlank(false);
}

/**
 * Data link: the logs of the series' service (its `job` label, matched against Loki's service label),
 * optionally narrowed by a LogQL pipeline.
 */
export function logsLink(
  pipeline = '',
  seriesLabel = 'job',
  lokiLabel = LOKI_SERVICE_LABEL,
): DashboardLinkBuilder {
  const selector = `{${lokiLabel}="\${__field.labels.${seriesLabel}}"}`;
  return link(`Logs of \${__field.labels.${seriesLabel}}`, exploreUrl('loki', `${selector}${pipeline}`));
}

/** Data link: traces of the series' service in Tempo, optionally narrowed by extra TraceQL conditions. */
export function tracesLink(condition = '', serviceLabel = 'job'): DashboardLinkBuilder {
  const service = `resource.service.name = "\${__field.labels.${serviceLabel}}"`;
  const filter = condition ? `{ ${service} && ${condition} }` : `{ ${service} }`;
  return link(`Traces of \${__field.labels.${serviceLabel}}`, exploreUrl('tempo', filter));
}

function legend(): VizLegendOptionsBuilder {
  return new VizLegendOptionsBuilder()
    .displayMode(LegendDisplayMode.List)
    .placement(LegendPlacement.Bottom)
    .showLegend(true)
    .calcs([]);
}

export function timeSeries(
  title: string,
  unit: string,
  queries: PrometheusQuery[] | LokiQuery[],
): TimeSeriesPanel {
  const isLoki = queries[0] instanceof LokiQuery;
  const panel = new TimeSeriesPanel()
    .title(title)
    .unit(unit)
    .datasource(isLoki ? DATASOURCE.loki : DATASOURCE.prometheus)
    .legend(legend())
    .fillOpacity(10)
    .height(8)
    .span(12);
  for (const query of queries) panel.withTarget(query);
  return panel;
}

export function stat(title: string, unit: string, query: PrometheusQuery): StatPanel {
  return new StatPanel()
    .title(title)
    .unit(unit)
    .datasource(DATASOURCE.prometheus)
    .withTarget(query)
    .height(4)
    .span(6);
}

export function table(title: string, query: PrometheusQuery): TablePanel {
  return new TablePanel().title(title).datasource(DATASOURCE.prometheus).withTarget(query).height(9).span(12);
}

export function logs(title: string, query: LokiQuery): LogsPanel {
  return new LogsPanel()
    .title(title)
    .datasource(DATASOURCE.loki)
    .withTarget(query)
    .showTime(true)
    .enableLogDetails(true)
    .sortOrder('Descending' as never)
    .height(10)
    .span(24);
}

export function traces(title: string, query: TempoQuery): TablePanel {
  return new TablePanel().title(title).datasource(DATASOURCE.tempo).withTarget(query).height(9).span(12);
}

export function serviceMap(title: string): NodeGraphPanel {
  return new NodeGraphPanel()
    .title(title)
    .datasource(DATASOURCE.tempo)
    .withTarget(new TempoQuery().datasource(DATASOURCE.tempo).queryType('serviceMap').refId('A'))
    .height(10)
    .span(12);
}

/** `$job`: the services Prometheus scrapes. */
/**
 * The kit's services and nothing else of a shared Prometheus: the jobs that expose the kit's own
 * telemetry_export_dropped_total (every service has it from start). "All" is the listed jobs, not `.+`,
 * so another team's series never enter a panel.
 */
export function jobVariable(): QueryVariableBuilder {
  return new QueryVariableBuilder('job')
    .label('Service')
    .datasource(DATASOURCE.prometheus)
    .query(`label_values(${KIT_MARKER_METRIC}, job)`)
    .multi(true)
    .includeAll(true);
}

/** A series every service running packages/telemetry exposes from start, and nothing else does. */
export const KIT_MARKER_METRIC = 'telemetry_export_dropped_total';

/**
 * A kit dashboard: fixed UID, tagged, linked to the other kit dashboards and to Explore. The
 * description says it is generated, because JSON has no comments.
 */
export function kitDashboard(uid: string, title: string, source: string): DashboardBuilder {
  const others: cog.Builder<DashboardLink> = new DashboardLinkBuilder('Telemetry kit')
    .type(DashboardLinkType.Dashboards)
    .tags([KIT_TAG])
    .asDropdown(true)
    .includeVars(true)
    .keepTime(true);
  return new DashboardBuilder(title)
    .uid(uid)
    .description(`Generated by \`npm run generate\` from ${source} — edit the source, not this JSON.`)
    .tags([KIT_TAG])
    .editable()
    .timezone('browser')
    .refresh('30s')
    .time({ from: 'now-1h', to: 'now' })
    .links([others]);
}
