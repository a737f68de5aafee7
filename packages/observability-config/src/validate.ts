// Checks on the dashboards' JSON and the alert rules that need no running Grafana or Prometheus:
// every query parses in its language after Grafana's macros are substituted, and every metric a
// query selects is in the catalogue (no dead panels).
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import type { Catalogue } from './catalogue.ts';
import { isCatalogued } from './catalogue.ts';
import type { DashboardSource } from './dashboards.ts';
import type { QueryLanguage } from './query-languages.ts';
import { promqlMetricNames, syntaxProblems } from './query-languages.ts';
import type { RuleFile } from './rules.ts';

export interface LocatedQuery {
  /** file › panel "title" › target A (or › data link "…", › variable job). */
  where: string;
  language: QueryLanguage;
  expr: string;
  /** A panel target that asks Grafana for exemplars (Prometheus only). */
  exemplar?: boolean;
}

/** Grafana's built-in macros, replaced by a value of the same kind before parsing. */
const MACROS: Array<[RegExp, string]> = [
  [/\$\{?__(rate_interval|interval|range|auto)\}?/g, '5m'],
  [/\$\{?__(range_s|interval_ms|range_ms)\}?/g, '300'],
];

/** Replaces Grafana macros and template variables so the expression is plain PromQL/LogQL/TraceQL. */
export function substituteMacros(expr: string): string {
  let result = expr;
  for (const [pattern, value] of MACROS) result = result.replace(pattern, value);
  // Remaining variables ($job, ${__field.labels.job}) appear inside label values: any word will do.
  return result.replace(/\$\{[^}]+\}|\$[A-Za-z_]\w*/g, 'variable');
}

type Json = Record<string, unknown>;
const asObject = (v: unknown): Json => (v && typeof v === 'object' ? (v as Json) : {});
const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function languageOf(datasourceUid: string | undefined, target: Json): QueryLanguage | undefined {
  if (datasourceUid === 'prometheus') return 'promql';
  if (datasourceUid === 'loki') return 'logql';
  if (datasourceUid === 'tempo' && (target.queryType === 'traceql' || target.queryType === undefined))
    return 'traceql';
  return undefined;
}

function targetQuery(where: string, datasourceUid: string | undefined, target: Json): LocatedQuery[] {
  const language = languageOf(datasourceUid, target);
  const expr = language === 'traceql' ? str(target.query) : str(target.expr);
  if (!language || expr === undefined) return [];
  return [target.exemplar === true ? { where, language, expr, exemplar: true } : { where, language, expr }];
}

/** The queries inside an Explore URL (`panes=` JSON), as data links to logs and traces carry them. */
export function exploreQueries(url: string, where: string): LocatedQuery[] {
  const panes = new URL(url, 'http://grafana.invalid').searchParams.get('panes');
  if (!panes) return [];
  return Object.values(asObject(JSON.parse(panes))).flatMap((pane) =>
    asArray(asObject(pane).queries).flatMap((q) => {
      const query = asObject(q);
      return targetQuery(where, str(asObject(query.datasource).uid) ?? str(asObject(pane).datasource), query);
    }),
  );
}

function allPanels(dashboard: Dashboard): Json[] {
  return asArray(dashboard.panels).flatMap((p) => [
    asObject(p),
    ...asArray(asObject(p).panels).map(asObject),
  ]);
}

/** Every query of a dashboard: panel targets, data links and panel links, template variables. */
export function dashboardQueries(source: DashboardSource): LocatedQuery[] {
  const file = `grafana/dashboards/${source.file}`;
  const queries: LocatedQuery[] = [];
  for (const panel of allPanels(source.json)) {
    const where = `${file} › panel "${str(panel.title) ?? '(untitled)'}"`;
    const panelDs = str(asObject(panel.datasource).uid);
    for (const t of asArray(panel.targets)) {
      const target = asObject(t);
      const ds = str(asObject(target.datasource).uid) ?? panelDs;
      queries.push(...targetQuery(`${where} › target ${str(target.refId) ?? '?'}`, ds, target));
    }
    const links = [...asArray(asObject(asObject(panel.fieldConfig).defaults).links), ...asArray(panel.links)];
    for (const l of links) {
      const link = asObject(l);
      const url = str(link.url);
      if (url?.startsWith('/explore'))
        queries.push(...exploreQueries(url, `${where} › link "${str(link.title)}"`));
    }
  }
  for (const v of asArray(asObject(source.json.templating).list)) {
    const variable = asObject(v);
    const query = str(variable.query);
    if (variable.type !== 'query' || !query) continue;
    // Grafana's label_values(<selector>, <label>) is not PromQL; its selector is.
    const selector = /^label_values\((.*),\s*\w+\)$/.exec(query)?.[1] ?? query;
    queries.push({ where: `${file} › variable ${str(variable.name)}`, language: 'promql', expr: selector });
  }
  return queries;
}

/** Every alerting and recording rule expression, located by file, group and rule. */
export function ruleQueries(files: RuleFile[]): LocatedQuery[] {
  return files.flatMap((f) =>
    f.groups.flatMap((g) =>
      g.rules.map((r) => ({
        where: `grafana/alerts/${f.file} › group ${g.name} › ${'alert' in r ? `alert ${r.alert}` : `record ${r.record}`}`,
        language: 'promql' as const,
        expr: r.expr,
      })),
    ),
  );
}

/** One line per syntax error: where, language, line:column and the text around it. */
export function syntaxErrors(queries: LocatedQuery[]): string[] {
  return queries.flatMap((q) =>
    syntaxProblems(q.language, substituteMacros(q.expr)).map(
      (p) =>
        `${q.where}: ${q.language} syntax error at ${p.line}:${p.column} (after macro substitution) near ${p.near}`,
    ),
  );
}

/** One line per metric name a PromQL query selects that no catalogue lists (a dead panel). */
export function uncataloguedMetrics(
  queries: LocatedQuery[],
  catalogue: Catalogue,
  recorded: Set<string>,
): string[] {
  return queries
    .filter((q) => q.language === 'promql')
    .flatMap((q) =>
      promqlMetricNames(substituteMacros(q.expr))
        .filter((name) => !recorded.has(name) && !isCatalogued(catalogue, name))
        .map(
          (name) =>
            `${q.where}: metric ${name} is not in docs/metrics.md (nor grafana/infrastructure-metrics.md)`,
        ),
    );
}
