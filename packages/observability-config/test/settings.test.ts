import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { REPO_ROOT, SOURCE } from '../src/paths.ts';
import { renderRuleGroups } from '../src/rules.ts';
import { parseSettings, thresholdFor } from '../src/settings.ts';

const text = readFileSync(path.join(REPO_ROOT, SOURCE.settings), 'utf8');
// biome-ignore lint/suspicious/noExplicitAny: a test edits arbitrary fields of the parsed YAML
type Doc = Record<string, any>;
const edited = (edit: (doc: Doc) => void) => {
  const doc = parse(text) as Doc;
  edit(doc);
  return stringify(doc);
};

describe('grafana/environments.yaml', () => {
  it('declares the Loki retention of each environment: 7d, 14d, 30d', () => {
    const { environments } = parseSettings(text);
    expect(
      [environments.development, environments.staging, environments.production].map((e) => e.lokiRetention),
    ).toEqual(['7d', '14d', '30d']);
  });

  it('rejects time compression outside the test environment', () => {
    expect(() => parseSettings(edited((d) => (d.environments.production.alertFor = '1s')))).toThrow(
      /environments\.production sets alertFor/,
    );
  });

  it('names the invalid field', () => {
    expect(() => parseSettings(edited((d) => (d.environments.staging.lokiRetention = 'two weeks')))).toThrow(
      /environments\.staging\.lokiRetention/,
    );
  });

  it('demands a reason for a threshold that differs', () => {
    expect(() => parseSettings(edited((d) => (d.thresholds[0].reason = 'because')))).toThrow(
      /thresholds\.0\.reason/,
    );
  });

  it('gives each environment its declared threshold and the default elsewhere', () => {
    const settings = parseSettings(text);
    const delta = settings.thresholds[0];
    expect(delta).toBeDefined();
    if (!delta) return;
    for (const env of ['development', 'staging', 'production'] as const) {
      expect(thresholdFor(settings, delta.alert, env)).toBe(delta.environments[env] ?? delta.default);
    }
    expect(thresholdFor(settings, 'NoSuchAlert', 'production')).toBeUndefined();
  });

  it('compresses for: and windows only in the test environment', () => {
    const settings = parseSettings(text);
    const groups = [
      {
        name: 'g',
        rules: [{ alert: 'A', expr: 'rate(x[5m]) > 1', for: '10m', labels: {}, annotations: {} }],
      },
    ];
    const [test] = renderRuleGroups(groups, settings, 'test');
    const [production] = renderRuleGroups(groups, settings, 'production');
    expect(test?.rules[0]).toMatchObject({
      for: settings.environments.test.alertFor,
      expr: 'rate(x[10s]) > 1',
    });
    expect(production?.rules[0]).toMatchObject({
      for: '10m',
      expr: 'rate(x{namespace="telemetry-kit"}[5m]) > 1',
    });
  });

  it('renders each environment’s interval, scopes only Kubernetes to the namespace, makes runbooks absolute', () => {
    const settings = parseSettings(text);
    const groups = [
      {
        name: 'g',
        rules: [
          {
            alert: 'A',
            expr: 'sum by (namespace, job) (rate(x{a="b"}[5m])) / on (namespace, job) up > 1',
            labels: {},
            annotations: { runbook_url: 'docs/runbooks/A.md' },
          },
        ],
      },
    ];
    const [development] = renderRuleGroups(groups, settings, 'development');
    const [staging] = renderRuleGroups(groups, settings, 'staging');
    expect(development?.interval).toBe(settings.environments.development.evaluationInterval);
    expect(staging?.interval).toBe(settings.environments.staging.evaluationInterval);
    expect(development?.rules[0]?.expr).toBe(groups[0]?.rules[0]?.expr);
    expect(staging?.rules[0]?.expr).toBe(
      'sum by (namespace, job) (rate(x{namespace="telemetry-kit", a="b"}[5m])) / on (namespace, job) up{namespace="telemetry-kit"} > 1',
    );
    const rendered = staging?.rules[0] as { annotations: Record<string, string> } | undefined;
    expect(rendered?.annotations.runbook_url).toBe(`${settings.runbookBaseUrl}docs/runbooks/A.md`);
  });
});
