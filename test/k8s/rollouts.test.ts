// The Argo Rollouts objects of the overlays: strict validation against the upstream CRDs, the gates as
// the alerts' own expressions, and the evaluator the live analysis test judges with (test/k8s/argo-analysis.ts).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '@telemetry-kit/observability-config/paths';
import { loadRuleFiles, renderRuleGroups } from '@telemetry-kit/observability-config/rules';
import { KUBERNETES_ENVIRONMENTS, loadSettings } from '@telemetry-kit/observability-config/settings';
import { analysisTemplates, SMOKE_SCRIPT } from '@telemetry-kit/observability-config/targets/rollouts';
import { describe, expect, it } from 'vitest';
import { analysisPhase, evalCondition, measurementPhase, metricPhase, withArgs } from './argo-analysis.ts';
import { modelFor, rendered } from './rendered.ts';

const settings = loadSettings(REPO_ROOT);
const ruleFiles = loadRuleFiles(REPO_ROOT);

interface Metric {
  name: string;
  failureLimit?: number;
  count?: number;
  successCondition?: string;
  failureCondition?: string;
  provider: { prometheus?: { query: string }; web?: { url: string }; job?: unknown };
}

describe.each(KUBERNETES_ENVIRONMENTS)('k8s/overlays/%s: Argo Rollouts', (env) => {
  const objects = rendered(env);
  const templates = objects.filter((o) => o.kind === 'AnalysisTemplate');

  it('gates every rollout with the alerts the settings name, as this environment runs them', () => {
    const canary = templates.find((t) => t.metadata.name === 'telemetry-kit-canary');
    const metrics = (canary?.spec as { metrics: Metric[] } | undefined)?.metrics ?? [];
    expect(metrics.map((m) => m.name)).toEqual(['high-error-rate', 'latency-degradation']);
    const rules = ruleFiles.flatMap((f) => renderRuleGroups(f.groups, settings, env).flatMap((g) => g.rules));
    for (const [metric, alert] of metrics.map(
      (m, i) => [m, settings.kubernetes.rollouts.gates[i]] as const,
    )) {
      const rule = rules.find((r) => 'alert' in r && r.alert === alert);
      const query = metric.provider.prometheus?.query ?? '';
      // The alert's expression with two more matchers on every selector: the service and its new pods.
      expect(
        query.replaceAll('job="{{args.service}}", rollouts_pod_template_hash="{{args.new-hash}}", ', ''),
      ).toBe(rule?.expr.trim());
      expect(metric.failureCondition).toBe('len(result) > 0');
    }
  });

  it('checks a preview’s readiness, runs the smoke journey and applies the gates before promotion', () => {
    const pre = templates.find((t) => t.metadata.name === 'telemetry-kit-pre-promotion');
    const metrics = (pre?.spec as { metrics: Metric[] } | undefined)?.metrics ?? [];
    expect(metrics.map((m) => m.name)).toEqual(['ready', 'smoke', 'high-error-rate', 'latency-degradation']);
    expect(metrics[0]?.provider.web?.url).toBe('{{args.preview-url}}{{args.readiness-path}}');
    const job = JSON.stringify(metrics[1]?.provider.job);
    expect(job).toContain('/smoke/journey.mjs');
    const script = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'telemetry-kit-smoke');
    expect(script?.data?.['journey.mjs']).toBe(readFileSync(path.join(REPO_ROOT, SMOKE_SCRIPT), 'utf8'));
  });

  it('copies the new pods’ hash onto their series, which the gates select', () => {
    const monitor = objects.find((o) => o.kind === 'PodMonitor');
    expect((monitor?.spec as { podTargetLabels: string[] } | undefined)?.podTargetLabels).toEqual([
      'rollouts-pod-template-hash',
    ]);
  });
});

describe('the argo-rollouts CRD validation is live', () => {
  it('rejects a misspelt field and a wrong type in a Rollout and an AnalysisTemplate', async () => {
    const objects = rendered('production');
    const rollout = objects.find((o) => o.kind === 'Rollout');
    const template = objects.find((o) => o.kind === 'AnalysisTemplate');
    if (!rollout || !template) throw new Error('no Rollout or AnalysisTemplate rendered');
    const Rollout = await modelFor(rollout);
    const Template = await modelFor(template);
    expect(() => new Rollout(rollout).validate()).not.toThrow();
    const misspelt = structuredClone(rollout) as { spec: Record<string, unknown> };
    misspelt.spec.strategie = misspelt.spec.strategy;
    expect(() => new Rollout(misspelt).validate()).toThrow(/strategie|additional/);
    const wrong = structuredClone(template) as unknown as {
      spec: { metrics: Array<Record<string, unknown>> };
    };
    (wrong.spec.metrics[0] as Record<string, unknown>).failureLimit = [1];
    expect(() => new Template(wrong).validate()).toThrow();
  });
});

describe('Argo Rollouts’ judgement, as the live analysis test applies it', () => {
  it('evaluates the condition forms of utils/evaluate (len, result[0], comparisons, isNaN)', () => {
    expect(evalCondition('len(result) == 0', [])).toBe(true);
    expect(evalCondition('len(result) > 0', [0.2])).toBe(true);
    expect(evalCondition('result[0] <= 0.0144', [0.01])).toBe(true);
    expect(evalCondition('result[0] <= 0.0144', [0.2])).toBe(false);
    expect(evalCondition('isNaN(result[0]) || result[0] < 1', [Number.NaN])).toBe(true);
    expect(evalCondition('result == true', true)).toBe(true);
    expect(() => evalCondition('result[0] > 1', [])).toThrow(/index out of range/);
    expect(() => evalCondition('sum(result) > 1', [1])).toThrow(/unknown name/);
  });

  it('turns conditions into measurements: no failure condition means failed when not successful', () => {
    expect(measurementPhase({ successCondition: 'result[0] < 1' }, [2])).toBe('Failed');
    expect(measurementPhase({ failureCondition: 'result[0] > 1' }, [0.5])).toBe('Successful');
    expect(
      measurementPhase({ successCondition: 'result[0] < 1', failureCondition: 'result[0] > 2' }, [1.5]),
    ).toBe('Inconclusive');
    expect(measurementPhase({ successCondition: 'result[0] < 1' }, [])).toBe('Error');
  });

  it('fails a metric past its failureLimit, errors it past four errors in a row', () => {
    expect(metricPhase({ failureLimit: 1 }, ['Failed', 'Successful'])).toBe('Running');
    expect(metricPhase({ failureLimit: 1 }, ['Failed', 'Failed'])).toBe('Failed');
    expect(metricPhase({}, ['Error', 'Error', 'Error', 'Error'])).toBe('Running');
    expect(metricPhase({}, ['Error', 'Error', 'Error', 'Error', 'Error'])).toBe('Error');
    expect(analysisPhase([{ measurements: ['Successful'] }, { measurements: ['Failed'] }])).toBe('Failed');
  });

  it('substitutes the args into the generated query, and refuses a missing one', () => {
    const [canary] = analysisTemplates(ruleFiles, settings, 'test', 'node:test');
    const query = (canary?.spec.metrics[0] as Metric | undefined)?.provider.prometheus?.query ?? '';
    const run = withArgs(query, { service: 'gateway', 'new-hash': 'abc123' });
    expect(run).toContain('rollouts_pod_template_hash="abc123"');
    expect(run).not.toContain('{{');
    expect(() => withArgs(query, { service: 'gateway' })).toThrow(/args\.new-hash/);
  });
});
