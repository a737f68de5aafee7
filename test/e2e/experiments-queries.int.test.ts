// The Experiments dashboard's queries, run by Prometheus' own engine (promtool test rules, in the
// PROMETHEUS_IMAGE the kit runs) over series shaped as the services expose them: each panel must answer
// the conversion per ritual-length variant that the series imply, not just parse.
import type { DashboardSource } from '@telemetry-kit/observability-config/dashboards';
import { loadDashboards } from '@telemetry-kit/observability-config/dashboards';
import { REPO_ROOT } from '@telemetry-kit/observability-config/paths';
import { dashboardQueries } from '@telemetry-kit/observability-config/validate';
import { resolveImage } from '@telemetry-kit/testkit';
import { describeWithContainers } from '@telemetry-kit/testkit/vitest';
import type { StartedTestContainer } from 'testcontainers';
import { GenericContainer } from 'testcontainers';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { stringify } from 'yaml';

// Counters rising by a fixed amount a minute: standard converts worse than extended.
const PER_MINUTE = {
  'rituals_generated_total{job="rituals", outcome="success", ritual_length="standard"}': 10,
  'rituals_generated_total{job="rituals", outcome="success", ritual_length="extended"}': 10,
  'rituals_generated_total{job="rituals", outcome="llm_error", ritual_length="standard"}': 1,
  'rituals_generated_total{job="rituals", outcome="llm_error", ritual_length="extended"}': 0,
  'marketplace_listings_created_total{job="marketplace", ritual_length="standard"}': 5,
  'marketplace_listings_created_total{job="marketplace", ritual_length="extended"}': 8,
  'marketplace_purchases_total{job="marketplace", outcome="completed", ritual_length="standard"}': 1,
  'marketplace_purchases_total{job="marketplace", outcome="completed", ritual_length="extended"}': 4,
  'marketplace_purchases_total{job="marketplace", outcome="declined", ritual_length="standard"}': 1,
  'marketplace_purchases_total{job="marketplace", outcome="declined", ritual_length="extended"}': 0,
};

/** What each panel answers from those series (windows of 5m, evaluated at 10m: rates per second). */
const variants = (labels: string, standard: number, extended: number) => [
  { labels: `{${labels}ritual_length="standard"}`, value: standard },
  { labels: `{${labels}ritual_length="extended"}`, value: extended },
];
const EXPECTED: Record<string, Array<{ labels: string; value: number }>> = {
  Generated: variants('', 50, 50),
  'Listed per generated': variants('', 25 / 50, 40 / 50),
  'Sold per listed': variants('', 5 / 25, 20 / 40),
  'Sold per generated': variants('', 5 / 50, 20 / 50),
  'Rituals generated per variant': variants('job="rituals", ', 10 / 60, 10 / 60),
  'Listings created per variant': variants('job="marketplace", ', 5 / 60, 8 / 60),
  'Completed purchases per variant': variants('job="marketplace", ', 1 / 60, 4 / 60),
  'Failed generations per variant': variants('job="rituals", ', 1 / 11, 0),
  'Declined purchases per variant': variants('job="marketplace", ', 1 / 2, 0),
};

/** The dashboard's panel targets, Grafana's macros replaced by a 5-minute window. */
function panelQueries(dashboard: DashboardSource) {
  return dashboardQueries(dashboard)
    .filter((q) => q.language === 'promql' && q.where.includes(' › target '))
    .map((q) => ({
      panel: /› panel "([^"]+)"/.exec(q.where)?.[1] ?? q.where,
      expr: q.expr.replace(/\$__(rate_interval|range)/g, '5m'),
    }));
}

describeWithContainers('the Experiments dashboard in Prometheus', { images: ['PROMETHEUS_IMAGE'] }, () => {
  let promtool: StartedTestContainer;
  let queries: ReturnType<typeof panelQueries>;

  beforeAll(async () => {
    const dashboard = (await loadDashboards(REPO_ROOT)).find((d) => d.uid === 'kit-experiments');
    if (!dashboard) throw new Error('grafana/dashboards has no kit-experiments dashboard');
    queries = panelQueries(dashboard);
    const tests = (mutate: (value: number) => number) =>
      stringify({
        rule_files: [],
        evaluation_interval: '1m',
        fuzzy_compare: true,
        tests: [
          {
            interval: '1m',
            input_series: Object.entries(PER_MINUTE).map(([series, step]) => ({
              series,
              values: `0+${step}x20`,
            })),
            promql_expr_test: queries.map(({ panel, expr }) => ({
              expr,
              eval_time: '10m',
              exp_samples: (EXPECTED[panel] ?? []).map((s) => ({ ...s, value: mutate(s.value) })),
            })),
          },
        ],
      });
    promtool = await new GenericContainer(resolveImage('PROMETHEUS_IMAGE'))
      .withEntrypoint(['sleep'])
      .withCommand(['3600'])
      .withCopyContentToContainer([
        { content: tests((value) => value), target: '/work/experiments.test.yml' },
        // A control with every expectation off by one: proves a wrong answer fails.
        { content: tests((value) => value + 1), target: '/work/must-fail.test.yml' },
      ])
      .start();
  });

  afterAll(async () => {
    await promtool?.stop();
  });

  it('has an expected answer for every panel', () => {
    expect(queries.length).toBeGreaterThan(0);
    for (const { panel } of queries) expect(Object.keys(EXPECTED), `panel "${panel}"`).toContain(panel);
  });

  it('answers each panel’s conversion per variant from the series the services expose', async () => {
    const result = await promtool.exec(['/bin/promtool', 'test', 'rules', 'experiments.test.yml'], {
      workingDir: '/work',
    });
    expect(result.exitCode, result.output).toBe(0);
  });

  it('fails when the expected answers are wrong', async () => {
    const result = await promtool.exec(['/bin/promtool', 'test', 'rules', 'must-fail.test.yml'], {
      workingDir: '/work',
    });
    expect(result.exitCode).not.toBe(0);
    expect(result.output).toContain('FAILED');
  });
});
