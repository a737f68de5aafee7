import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { SOURCE } from './paths.ts';
import { withRangeWindows, withScope, withThreshold } from './query-languages.ts';
import type { EnvironmentName, Settings } from './settings.ts';
import { KUBERNETES_ENVIRONMENTS, thresholdFor } from './settings.ts';

const rule = z.union([
  z.strictObject({
    alert: z.string(),
    expr: z.string(),
    for: z.string().optional(),
    keep_firing_for: z.string().optional(),
    labels: z.record(z.string(), z.string()),
    annotations: z.record(z.string(), z.string()),
  }),
  z.strictObject({
    record: z.string(),
    expr: z.string(),
    labels: z.record(z.string(), z.string()).optional(),
  }),
]);
export type Rule = z.infer<typeof rule>;
export type AlertingRule = Extract<Rule, { alert: string }>;

const group = z.strictObject({
  name: z.string(),
  interval: z.string().optional(),
  rules: z.array(rule).min(1),
});
export type RuleGroup = z.infer<typeof group>;

const ruleFile = z.strictObject({ groups: z.array(group).min(1) });

export interface RuleFile {
  /** File name under grafana/alerts/, e.g. `http-slo.yml`. */
  file: string;
  groups: RuleGroup[];
}

export function isAlertingRule(r: Rule): r is AlertingRule {
  return 'alert' in r;
}

/** Reads every grafana/alerts/*.yml (plain Prometheus `groups:` files). */
export function loadRuleFiles(root: string): RuleFile[] {
  const dir = path.join(root, SOURCE.alerts);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yml') || f.endsWith('.yaml'))
    .sort()
    .map((file) => {
      const result = ruleFile.safeParse(parse(readFileSync(path.join(dir, file), 'utf8')));
      if (!result.success) {
        const issues = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
        throw new Error(`${SOURCE.alerts}/${file} is not a Prometheus rule file: ${issues}`);
      }
      return { file, groups: result.data.groups };
    });
}

/**
 * The label matcher that scopes an environment's rules to the kit's own series: in Kubernetes the
 * namespace (a shared Prometheus scrapes every team), nothing in compose (it scrapes only the kit).
 */
export function ruleScope(settings: Settings, env: EnvironmentName): string | undefined {
  return (KUBERNETES_ENVIRONMENTS as readonly string[]).includes(env)
    ? `namespace=${JSON.stringify(settings.kubernetes.namespace)}`
    : undefined;
}

/**
 * The rule groups as an environment runs them: evaluated at its evaluation interval, scoped to the
 * kit's series (ruleScope), runbook URLs made absolute, declared threshold deltas applied and, in the
 * short-interval test environment, `for:` and range windows compressed. Nothing else changes.
 */
export function renderRuleGroups(groups: RuleGroup[], settings: Settings, env: EnvironmentName): RuleGroup[] {
  const envSettings = settings.environments[env];
  const scope = ruleScope(settings, env);
  const render = (raw: string) => {
    // Trimmed: a block scalar's trailing newline does not survive every YAML round trip (kustomize patches).
    let expr = raw.trim();
    if (envSettings.rangeWindows) expr = withRangeWindows(expr, envSettings.rangeWindows);
    return scope ? withScope(expr, scope) : expr;
  };
  return groups.map((g) => ({
    ...g,
    interval: envSettings.evaluationInterval,
    rules: g.rules.map((r) => {
      if (!isAlertingRule(r)) return { ...r, expr: render(r.expr) };
      const threshold = thresholdFor(settings, r.alert, env);
      const expr = render(
        threshold === undefined ? r.expr : withThreshold(r.expr.trim(), threshold, r.alert),
      );
      const runbook = r.annotations.runbook_url;
      const rendered: AlertingRule = {
        ...r,
        expr,
        annotations: {
          ...r.annotations,
          ...(runbook ? { runbook_url: new URL(runbook, settings.runbookBaseUrl).href } : {}),
        },
      };
      if (envSettings.alertFor && r.for && !/^0+[smhdwy]?$/.test(r.for)) rendered.for = envSettings.alertFor;
      return rendered;
    }),
  }));
}

/** Every alert name across the files, for checks that each has a runbook and a promtool test. */
export function alertNames(files: RuleFile[]): string[] {
  return files.flatMap((f) => f.groups.flatMap((g) => g.rules.filter(isAlertingRule).map((r) => r.alert)));
}
