import { loadCatalogue } from '@telemetry-kit/observability-config/catalogue';
import type { DashboardValidator } from '@telemetry-kit/observability-config/dashboard-schema';
import { dashboardValidator, dataqueryValidator } from '@telemetry-kit/observability-config/dashboard-schema';
import type { DashboardSource } from '@telemetry-kit/observability-config/dashboards';
import { loadDashboards } from '@telemetry-kit/observability-config/dashboards';
import { REPO_ROOT } from '@telemetry-kit/observability-config/paths';
import { loadRuleFiles } from '@telemetry-kit/observability-config/rules';
import {
  dashboardQueries,
  ruleQueries,
  syntaxErrors,
  uncataloguedMetrics,
} from '@telemetry-kit/observability-config/validate';
import { beforeAll, describe, expect, it } from 'vitest';

const PINNED_DATASOURCES = new Set(['prometheus', 'loki', 'tempo', 'alertmanager']);

let dashboards: DashboardSource[];
beforeAll(async () => {
  dashboards = await loadDashboards(REPO_ROOT);
});

// JSON as the files hold it (the builders' objects carry methods that JSON drops).
const asFile = (d: DashboardSource) => JSON.parse(JSON.stringify(d.json)) as Record<string, unknown>;
type Json = Record<string, unknown>;
const panelsOf = (d: DashboardSource) =>
  ((asFile(d).panels as Json[]) ?? []).flatMap((p) => [p, ...((p.panels as Json[]) ?? [])]);

describe('the dashboards in grafana/dashboards', () => {
  it('are the eight the kit promises', () => {
    expect(dashboards.map((d) => d.uid).sort()).toEqual([
      'kit-errors',
      'kit-experiments',
      'kit-frontend',
      'kit-marketplace',
      'kit-resources',
      'kit-rituals',
      'kit-service-health',
      'kit-user-activity',
    ]);
  });

  it("validate against the foundation SDK's dashboard schema", { timeout: 60_000 }, () => {
    const validate = dashboardValidator();
    for (const d of dashboards) expect(validate(asFile(d)), `grafana/dashboards/${d.file}`).toEqual([]);
  });

  it("have every query valid for its datasource's query type in the SDK", { timeout: 60_000 }, () => {
    const validators: Record<string, DashboardValidator> = {
      prometheus: dataqueryValidator('prometheus'),
      loki: dataqueryValidator('loki'),
      tempo: dataqueryValidator('tempo'),
    };
    for (const d of dashboards) {
      for (const panel of panelsOf(d)) {
        for (const target of (panel.targets as Json[]) ?? []) {
          const uid = String((target.datasource as Json)?.uid);
          const validate = validators[uid];
          expect(validate, `${d.file} › ${panel.title}: no validator for datasource ${uid}`).toBeDefined();
          expect(validate?.(target), `grafana/dashboards/${d.file} › panel "${panel.title}"`).toEqual([]);
        }
      }
    }
  });

  it('have unique UIDs and unique titles', () => {
    const uids = dashboards.map((d) => d.uid);
    const titles = dashboards.map((d) => d.title);
    expect(
      uids.filter((u, i) => uids.indexOf(u) !== i),
      'duplicate UIDs',
    ).toEqual([]);
    expect(
      titles.filter((t, i) => titles.indexOf(t) !== i),
      'duplicate titles',
    ).toEqual([]);
  });

  it('pin every datasource to a fixed UID, with no DS_* inputs', () => {
    for (const d of dashboards) {
      const text = JSON.stringify(asFile(d));
      expect(text, d.file).not.toMatch(/\$\{DS_|__inputs/);
      for (const panel of panelsOf(d).filter((p) => p.type !== 'row')) {
        const uids = [panel.datasource, ...((panel.targets as Json[]) ?? []).map((t) => t.datasource)].map(
          (ds) => String((ds as Json | undefined)?.uid),
        );
        for (const uid of uids) expect(PINNED_DATASOURCES, `${d.file} › ${panel.title}`).toContain(uid);
      }
    }
  });

  it('link to logs everywhere, and to traces wherever the series belong to a traced service', () => {
    for (const d of dashboards) {
      const urls = panelsOf(d).flatMap(
        (p) =>
          (((p.fieldConfig as Json)?.defaults as Json)?.links as Json[] | undefined)?.map((l) =>
            String(l.url),
          ) ?? [],
      );
      const logsPanels = panelsOf(d).filter((p) => p.type === 'logs');
      expect(
        urls.some((u) => u.includes('%22datasource%22%3A%22loki%22')) || logsPanels.length > 0,
        `${d.file} links to no logs`,
      ).toBe(true);
      // Containers and hosts have no traces of their own.
      if (d.uid === 'kit-resources') continue;
      expect(
        urls.some((u) => u.includes('%22datasource%22%3A%22tempo%22')),
        `${d.file} links to no traces`,
      ).toBe(true);
    }
  });

  it('ask for exemplars on the latency panels of service health and rituals', () => {
    for (const uid of ['kit-service-health', 'kit-rituals']) {
      const d = dashboards.find((x) => x.uid === uid);
      const exemplarTargets = d
        ? panelsOf(d).flatMap((p) => ((p.targets as Json[]) ?? []).filter((t) => t.exemplar))
        : [];
      expect(exemplarTargets.length, `${uid}: targets with exemplar: true`).toBeGreaterThan(0);
    }
  });

  it('parse: every PromQL, LogQL and TraceQL expression, including those in links and variables', () => {
    const queries = dashboards.flatMap(dashboardQueries);
    expect(new Set(queries.map((q) => q.language))).toEqual(new Set(['promql', 'logql', 'traceql']));
    expect(syntaxErrors(queries)).toEqual([]);
  });

  it('have no dead panels: every metric a query selects is in the catalogue', () => {
    const catalogue = loadCatalogue(REPO_ROOT);
    expect(uncataloguedMetrics(dashboards.flatMap(dashboardQueries), catalogue, new Set())).toEqual([]);
  });

  it('would be caught with a broken query or an invented metric, named by file, panel and position', () => {
    const [first] = dashboards;
    if (!first) throw new Error('no dashboards loaded');
    const broken: DashboardSource = structuredClone({
      ...first,
      json: asFile(first) as unknown as DashboardSource['json'],
    });
    const panel = (broken.json.panels as unknown as Json[]).find(
      (p) => Array.isArray(p.targets) && p.targets.length > 0,
    );
    const target = (panel?.targets as Json[] | undefined)?.[0];
    if (!target) throw new Error('no panel with a query');
    target.expr = 'sum(rate(made_up_metric_total[$__rate_interval])';
    const queries = dashboardQueries(broken);
    const [error] = syntaxErrors(queries);
    expect(error).toContain(
      `grafana/dashboards/${first.file} › panel "${String(panel?.title)}" › target A: promql syntax error`,
    );
    expect(error).toMatch(/error at 1:\d+ \(after macro substitution\) near /);
    expect(uncataloguedMetrics(queries, loadCatalogue(REPO_ROOT), new Set()).join('\n')).toMatch(
      /made_up_metric_total/,
    );
  });
});

describe('the alert rules in grafana/alerts', () => {
  it('parse, and select only catalogued metrics or series the rules record', () => {
    const files = loadRuleFiles(REPO_ROOT);
    const recorded = new Set(
      files.flatMap((f) =>
        f.groups.flatMap((g) => g.rules.flatMap((r) => ('record' in r ? [r.record] : []))),
      ),
    );
    const queries = ruleQueries(files);
    expect(syntaxErrors(queries)).toEqual([]);
    expect(uncataloguedMetrics(queries, loadCatalogue(REPO_ROOT), recorded)).toEqual([]);
  });
});

describe('the dashboards in a shared Prometheus', () => {
  it('list only the kit’s services in their job variable, and "All" means those, not every job', async () => {
    const catalogue = loadCatalogue(REPO_ROOT);
    const everyService = catalogue.sections.get('Every service (packages/telemetry)') ?? new Set<string>();
    for (const dashboard of await loadDashboards(REPO_ROOT)) {
      const variables =
        ((asFile(dashboard).templating as Json | undefined)?.list as Json[] | undefined) ?? [];
      for (const variable of variables.filter((v) => v.name === 'job')) {
        const metric = /^label_values\((\w+)(\{[^}]*\})?, job\)$/.exec(String(variable.query))?.[1] ?? '';
        // up (or any metric every target has) would list each job of the cluster.
        expect(metric, `${dashboard.uid}: ${String(variable.query)}`).not.toBe('up');
        expect(everyService.has(metric), `${dashboard.uid}: ${metric} is the kit's own`).toBe(true);
        expect(
          variable.allValue ?? null,
          `${dashboard.uid}: All must not be a match-everything regex`,
        ).toBeNull();
      }
    }
  });
});
