import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, SOURCE } from '@telemetry-kit/observability-config/paths';
import type { AlertingRule } from '@telemetry-kit/observability-config/rules';
import { alertNames, isAlertingRule, loadRuleFiles } from '@telemetry-kit/observability-config/rules';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const files = loadRuleFiles(REPO_ROOT);
const alerts: AlertingRule[] = files.flatMap((f) => f.groups.flatMap((g) => g.rules.filter(isAlertingRule)));

interface PromtoolTestFile {
  rule_files: string[];
  tests: Array<{ alert_rule_test?: Array<{ alertname: string; exp_alerts?: unknown[] }> }>;
}
const testDir = path.join(REPO_ROOT, SOURCE.alertTests);
const testFiles = readdirSync(testDir)
  .filter((f) => f.endsWith('.test.yml'))
  .map((f) => ({ file: f, doc: parse(readFileSync(path.join(testDir, f), 'utf8')) as PromtoolTestFile }));
const ruleTests = testFiles.flatMap((t) => t.doc.tests.flatMap((c) => c.alert_rule_test ?? []));

describe('the alert rules', () => {
  it('include every alert the kit promises', () => {
    expect(alertNames(files)).toEqual(
      expect.arrayContaining([
        'ServiceDown',
        'HighErrorRate',
        'LatencyDegradation',
        'LLMLatencyHigh',
        'AudioGenerationSlow',
        'CriticalError',
        'NewErrorFingerprint',
        'DiskFillingUp',
        'CredentialStuffing',
      ]),
    );
  });

  it('have unique alert names and unique group names', () => {
    const names = alertNames(files);
    const groups = files.flatMap((f) => f.groups.map((g) => g.name));
    expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
    expect(groups.filter((n, i) => groups.indexOf(n) !== i)).toEqual([]);
  });

  it.each(alerts.map((a) => [a.alert, a] as const))(
    '%s has a severity, summary, description and runbook',
    (_, alert) => {
      expect(['critical', 'warning', 'info']).toContain(alert.labels.severity);
      expect(alert.annotations.summary?.length, 'summary').toBeGreaterThan(10);
      expect(alert.annotations.description?.length, 'description').toBeGreaterThan(30);
      const runbook = alert.annotations.runbook_url ?? '';
      expect(runbook).toBe(`docs/runbooks/${alert.alert}.md`);
      expect(existsSync(path.join(REPO_ROOT, runbook)), `${runbook} exists`).toBe(true);
    },
  );

  it.each(alertNames(files))('%s has a promtool test where it fires and one where it does not', (name) => {
    const cases = ruleTests.filter((t) => t.alertname === name);
    expect(
      cases.some((c) => (c.exp_alerts ?? []).length > 0),
      `${name}: no alert_rule_test expects it to fire`,
    ).toBe(true);
    expect(
      cases.some((c) => (c.exp_alerts ?? []).length === 0),
      `${name}: no alert_rule_test expects it to stay quiet`,
    ).toBe(true);
  });

  it('are each covered by a promtool test file that loads them', () => {
    const loaded = new Set(testFiles.flatMap((t) => t.doc.rule_files.map((r) => path.basename(r))));
    for (const f of files) expect(loaded, `${f.file} has no tests/*.test.yml loading it`).toContain(f.file);
  });
});
