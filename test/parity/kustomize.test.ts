import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { buildOverlay } from '@telemetry-kit/observability-config/parity';
import { REPO_ROOT, SOURCE } from '@telemetry-kit/observability-config/paths';
import { vectorSelectors } from '@telemetry-kit/observability-config/query-languages';
import { isAlertingRule } from '@telemetry-kit/observability-config/rules';
import { loadSettings } from '@telemetry-kit/observability-config/settings';
import { ANNOTATION_LIMIT_BYTES } from '@telemetry-kit/observability-config/targets/kubernetes';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

describe.each(['staging', 'production'] as const)(
  'kubectl kustomize k8s/overlays/%s',
  { timeout: 30_000 },
  (env) => {
    const objects = buildOverlay(REPO_ROOT, env);
    const ruleFiles = readdirSync(path.join(REPO_ROOT, SOURCE.alerts)).filter((f) => f.endsWith('.yml'));

    it('builds, with one dashboard ConfigMap per dashboard, each labelled grafana_dashboard', () => {
      const dashboards = objects.filter(
        (o) => o.kind === 'ConfigMap' && o.metadata?.labels?.grafana_dashboard === '1',
      );
      const sources = readdirSync(path.join(REPO_ROOT, SOURCE.dashboards)).filter((f) => f.endsWith('.ts'));
      expect(dashboards).toHaveLength(sources.length);
    });

    it('keeps every dashboard ConfigMap under the 262144-byte annotation limit', () => {
      for (const o of objects.filter((x) => x.kind === 'ConfigMap')) {
        expect(Buffer.byteLength(JSON.stringify(o)), o.metadata?.name).toBeLessThan(ANNOTATION_LIMIT_BYTES);
      }
    });

    it('carries the rule groups as PrometheusRule objects and the receivers as an AlertmanagerConfig', () => {
      expect(objects.filter((o) => o.kind === 'PrometheusRule')).toHaveLength(ruleFiles.length);
      expect(objects.filter((o) => o.kind === 'AlertmanagerConfig')).toHaveLength(1);
    });

    const settings = loadSettings(REPO_ROOT);
    const alerts = objects
      .filter((o) => o.kind === 'PrometheusRule')
      .flatMap((o) => o.spec?.groups ?? [])
      .flatMap((g) => g.rules.filter(isAlertingRule));

    it(`puts every object in the ${settings.kubernetes.namespace} namespace, the overlay's own ones included`, () => {
      for (const o of objects.filter((x) => x.kind !== 'Namespace')) {
        expect(o.metadata?.namespace, `${o.kind} ${o.metadata?.name}`).toBe(settings.kubernetes.namespace);
      }
    });

    it('labels PrometheusRules, the PodMonitor and the AlertmanagerConfig for the stack’s selectors', () => {
      const selected = objects.filter((o) =>
        ['PrometheusRule', 'PodMonitor', 'AlertmanagerConfig'].includes(o.kind ?? ''),
      );
      expect(selected.length, 'the PrometheusRules, one PodMonitor, one AlertmanagerConfig').toBe(
        ruleFiles.length + 2,
      );
      for (const o of selected) {
        expect(o.metadata?.labels?.release, `${o.kind} ${o.metadata?.name}`).toBe(
          settings.kubernetes.stackRelease,
        );
      }
    });

    it(`evaluates every rule group every ${settings.environments[env].evaluationInterval}, as declared`, () => {
      const groups = objects.filter((o) => o.kind === 'PrometheusRule').flatMap((o) => o.spec?.groups ?? []);
      expect(groups.length).toBeGreaterThan(0);
      for (const g of groups) expect(g.interval, g.name).toBe(settings.environments[env].evaluationInterval);
    });

    it('links every alert to its runbook by an absolute URL that works outside the repository', () => {
      for (const alert of alerts) {
        const url = alert.annotations.runbook_url ?? '';
        expect(url, alert.alert).toMatch(/^https:\/\//);
        expect(url.startsWith(settings.runbookBaseUrl), alert.alert).toBe(true);
        const file = url.slice(settings.runbookBaseUrl.length);
        expect(existsSync(path.join(REPO_ROOT, file)), `${alert.alert}: ${file}`).toBe(true);
      }
    });

    it('scopes every selector of every alert to the namespace, so other teams’ targets cannot page', () => {
      const scope = `namespace="${settings.kubernetes.namespace}"`;
      for (const alert of alerts) {
        for (const selector of vectorSelectors(alert.expr)) expect(selector, alert.alert).toContain(scope);
      }
    });

    it('keeps the namespace on every alert, which the AlertmanagerConfig’s routing matches on', () => {
      // Every aggregation keeps it (by … namespace …), and vector matching carries it (on … namespace …).
      for (const alert of alerts) {
        for (const clause of alert.expr.matchAll(/\b(by|on) \(([^)]*)\)/g)) {
          expect(clause[2]?.split(/,\s*/), `${alert.alert}: ${clause[0]}`).toContain('namespace');
        }
      }
    });

    it(`labels everything environment=${env} and names the environment to the services`, () => {
      for (const o of objects)
        expect(o.metadata?.labels?.environment, `${o.kind} ${o.metadata?.name}`).toBe(env);
      const environment = objects.find((o) => o.metadata?.name?.startsWith('telemetry-environment'));
      expect(environment?.data).toEqual({ ENVIRONMENT: env, DEPLOYMENT_ENVIRONMENT: env });
    });
  },
);

describe('the kustomize overlays', () => {
  it('carry only what differs: the environment kustomization and its receivers, nothing copied from the base', () => {
    for (const env of ['staging', 'production']) {
      const kustomization = parse(
        readFileSync(path.join(REPO_ROOT, 'k8s/overlays', env, 'kustomization.yaml'), 'utf8'),
      ) as {
        resources: string[];
      };
      // Generated from the environment's own settings: receivers, and the workloads' deltas.
      expect(kustomization.resources).toEqual(['../../base', 'alertmanager-config.yaml', 'workloads.yaml']);
    }
  });
});
