import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { formatParityReport, runParity } from '@telemetry-kit/observability-config/parity';
import { REPO_ROOT, SOURCE } from '@telemetry-kit/observability-config/paths';
import { afterEach, describe, expect, it } from 'vitest';
import { copyDeployedTree } from './tree.ts';

let cleanup: (() => void) | undefined;
afterEach(() => {
  cleanup?.();
  cleanup = undefined;
});

function tamperedCopy(file: string, edit: (text: string) => string): string {
  const { root, remove } = copyDeployedTree();
  cleanup = remove;
  const absolute = path.join(root, file);
  const before = readFileSync(absolute, 'utf8');
  const after = edit(before);
  expect(after, `the tampering of ${file} changed nothing`).not.toBe(before);
  writeFileSync(absolute, after);
  return root;
}

describe('npm run parity', { timeout: 60_000 }, () => {
  it('finds the same hash for every dashboard and rule group in development, staging and production', () => {
    const report = runParity(REPO_ROOT);
    const dashboards = readdirSync(path.join(REPO_ROOT, SOURCE.dashboards)).filter((f) =>
      f.endsWith('.ts'),
    ).length;
    const ruleGroups = readdirSync(path.join(REPO_ROOT, SOURCE.alerts)).filter((f) =>
      f.endsWith('.yml'),
    ).length;
    expect(report.drift).toEqual([]);
    for (const env of ['development', 'staging', 'production'] as const) {
      const names = report.inventories[env]
        .filter((a) => a.kind !== 'terraform call' && a.kind !== 'workload' && a.kind !== 'object')
        .map((a) => `${a.kind} ${a.name}`);
      expect(new Set(names).size, `${env}: ${dashboards} dashboards and ${ruleGroups} rule groups`).toBe(
        dashboards + ruleGroups,
      );
    }
  });

  it('lists the declared deltas by name with each environment value', () => {
    const text = formatParityReport(runParity(REPO_ROOT));
    expect(text).toMatch(/loki retention\s+7d\s+14d\s+30d/);
    expect(text).toMatch(/LLMLatencyHigh threshold\s+20\s+20\s+12/);
  });

  it('catches a dashboard edited in one environment only', () => {
    const root = tamperedCopy('k8s/base/dashboards/kit-rituals.yaml', (t) =>
      t.replace('"title": "Rituals"', '"title": "Rituals!"'),
    );
    // The base feeds staging and production alike: they now differ from development and Terraform.
    const drift = runParity(root).drift.join('\n');
    expect(drift).toMatch(/dashboard kit-rituals differs between kustomize \(\w+\) and terraform/);
  });

  it('catches a rule changed in production through an overlay patch nobody declared', () => {
    const root = tamperedCopy('k8s/overlays/production/kustomization.yaml', (t) =>
      t.replace(
        'patches:\n',
        [
          'patches:',
          '  - target:',
          '      kind: PrometheusRule',
          '      name: kit-availability',
          '    patch: |',
          '      - op: replace',
          '        path: /spec/groups/0/rules/0/for',
          '        value: 30m',
          '',
        ].join('\n'),
      ),
    );
    const drift = runParity(root).drift;
    expect(drift.join('\n')).toMatch(
      /rule group availability: production \(kustomize\) has \w+, development \(compose\) has \w+/,
    );
  });

  it('catches a workload changed in production beyond its declared deltas', () => {
    const root = tamperedCopy('k8s/overlays/production/kustomization.yaml', (t) =>
      t.replace(
        'patches:\n',
        [
          'patches:',
          '  - target:',
          '      kind: Rollout',
          '      name: gateway',
          '    patch: |',
          '      - op: replace',
          '        path: /spec/template/spec/containers/0/resources/limits/memory',
          '        value: 2Gi',
          '',
        ].join('\n'),
      ),
    );
    expect(runParity(root).drift.join('\n')).toMatch(
      /workload Rollout\/gateway: production \(kustomize\) has \w+, staging \(kustomize\) has \w+/,
    );
  });

  it('catches a workload that one environment lacks without a declaration', () => {
    const root = tamperedCopy('k8s/overlays/production/kustomization.yaml', (t) =>
      t.replace(
        'patches:\n',
        'patches:\n  - patch: |\n      $patch: delete\n      apiVersion: v1\n      kind: Service\n      metadata:\n        name: marketplace\n',
      ),
    );
    expect(runParity(root).drift.join('\n')).toMatch(/production: workload Service\/marketplace is missing/);
  });

  it('lets production differ from staging in replicas, autoscaling, storage, host and the hosted model', () => {
    const report = runParity(REPO_ROOT);
    const production = new Set(report.inventories.production.map((a) => `${a.kind} ${a.name}`));
    // Declared: staging runs the emulator, production calls the hosted model instead.
    expect(production.has('workload Deployment/llm-emulator')).toBe(false);
    expect(report.inventories.staging.some((a) => a.name === 'Deployment/llm-emulator')).toBe(true);
    expect(formatParityReport(report)).toMatch(/replicas\s+\(compose\)\s+1\s+2/);
    expect(report.drift).toEqual([]);
  });

  it('catches a declared threshold deployed with the wrong value', () => {
    const root = tamperedCopy('k8s/overlays/production/kustomization.yaml', (t) =>
      t.replace(') > 12', ') > 25'),
    );
    expect(runParity(root).drift).toContain(
      'production: LLMLatencyHigh threshold is 25 in PrometheusRule kit-rituals (k8s/overlays/production), declared 12',
    );
  });

  it('catches a Terraform environment that calls the module differently', () => {
    const root = tamperedCopy('terraform/environments/production/main.tf', (t) =>
      t.replace('environment = var.environment', 'environment = "staging"'),
    );
    expect(runParity(root).drift.join('\n')).toMatch(
      /terraform call terraform\/environments\/<environment>: production .* staging/,
    );
  });

  it('catches a file hand-added to one Terraform environment, such as an override of its receivers', () => {
    const { root, remove } = copyDeployedTree();
    cleanup = remove;
    writeFileSync(
      path.join(root, 'terraform/environments/production/zz-override.auto.tfvars'),
      'receivers = []\n',
    );
    expect(runParity(root).drift.join('\n')).toMatch(
      /terraform call terraform\/environments\/<environment>: production .* staging/,
    );
  });

  it("catches an environment's generated Terraform values edited by hand", () => {
    const root = tamperedCopy(
      'terraform/environments/production/environment.generated.auto.tfvars.json',
      (t) => t.replace('"environment": "production"', '"environment": "staging"'),
    );
    expect(runParity(root).drift).toContain(
      'production: terraform/environments/production/environment.generated.auto.tfvars.json is not what grafana/environments.yaml declares — run npm run generate',
    );
  });

  it("catches production's Alertmanager routing changed beyond its declared receivers", () => {
    const timers = tamperedCopy('k8s/overlays/production/alertmanager-config.yaml', (t) =>
      t.replace('groupWait: 10s', 'groupWait: 5m'),
    );
    expect(runParity(timers).drift.join('\n')).toMatch(
      /object AlertmanagerConfig\/telemetry-kit: production \(kustomize\) has \w+, staging \(kustomize\) has \w+/,
    );
    const paging = tamperedCopy('k8s/overlays/production/alertmanager-config.yaml', (t) =>
      t.replace('value: critical', 'value: critical|warning'),
    );
    expect(runParity(paging).drift).toContain(
      'production: AlertmanagerConfig/telemetry-kit pages oncall-pagerduty for severity critical|warning, declared critical',
    );
  });

  it('catches high availability deployed otherwise than declared', () => {
    const scaled = tamperedCopy('k8s/overlays/production/workloads.yaml', (t) =>
      t.replace('maxReplicas: 6', 'maxReplicas: 60'),
    );
    expect(runParity(scaled).drift.join('\n')).toMatch(
      /production: HorizontalPodAutoscaler\/\w+ deploys 2–60 at 70% CPU, not what production declares/,
    );
  });

  it("catches development's retention or intervals changed in one place only", () => {
    const settingsChanged = tamperedCopy('grafana/environments.yaml', (t) =>
      t.replace('lokiRetention: 7d', 'lokiRetention: 3d'),
    );
    expect(runParity(settingsChanged).drift).toContain(
      'development: compose deploys Loki retention 168h, grafana/environments.yaml declares 3d',
    );
    const composeChanged = tamperedCopy('compose/prometheus/prometheus.yml', (t) =>
      t.replace('evaluation_interval: 5s', 'evaluation_interval: 30s'),
    );
    expect(runParity(composeChanged).drift).toContain(
      'development: compose deploys evaluation interval 30s, grafana/environments.yaml declares 5s',
    );
  });

  it('catches trace retention changed in compose only', () => {
    const root = tamperedCopy('compose/tempo/tempo.yaml', (t) =>
      t.replace('block_retention: 168h', 'block_retention: 48h'),
    );
    expect(runParity(root).drift).toContain(
      'development: compose deploys trace retention 48h, grafana/environments.yaml declares 7d',
    );
  });

  it("catches a Kubernetes environment's retention or intervals edited in its Helm values", () => {
    const values = 'k8s/overlays/production/*.values.yaml';
    const loki = tamperedCopy('k8s/overlays/production/loki.values.yaml', (t) =>
      t.replace('retention_period: 720h', 'retention_period: 2160h'),
    );
    expect(runParity(loki).drift).toContain(
      `production: ${values} deploys Loki retention 2160h, grafana/environments.yaml declares 30d`,
    );
    const tempo = tamperedCopy('k8s/overlays/staging/tempo.values.yaml', (t) =>
      t.replace('block_retention: 168h', 'block_retention: 24h'),
    );
    expect(runParity(tempo).drift).toContain(
      'staging: k8s/overlays/staging/*.values.yaml deploys trace retention 24h, grafana/environments.yaml declares 7d',
    );
    const stack = tamperedCopy('k8s/overlays/production/kube-prometheus-stack.values.yaml', (t) =>
      t.replace('evaluationInterval: 15s', 'evaluationInterval: 1m'),
    );
    expect(runParity(stack).drift).toContain(
      `production: ${values} deploys evaluation interval 1m, grafana/environments.yaml declares 15s`,
    );
  });

  it('catches a rollout gate that no longer matches the alert it stands for', () => {
    const threshold = tamperedCopy('k8s/overlays/production/workloads.yaml', (t) =>
      t.replaceAll('> (14.4 * 0.001)', '> (50 * 0.001)'),
    );
    expect(runParity(threshold).drift).toContain(
      "production: AnalysisTemplate/telemetry-kit-canary gate high-error-rate is not HighErrorRate's expression as production deploys it",
    );
    const patience = tamperedCopy('k8s/overlays/staging/workloads.yaml', (t) =>
      t.replace('failureLimit: 9', 'failureLimit: 90'),
    );
    expect(runParity(patience).drift.join('\n')).toMatch(
      /staging: AnalysisTemplate\/telemetry-kit-canary gate latency-degradation tolerates 90 failed measurements; LatencyDegradation's for: 10m means 9/,
    );
  });

  it("catches an environment's feature flags deployed otherwise than declared", () => {
    const root = tamperedCopy('k8s/overlays/production/workloads.yaml', (t) =>
      t.replace('"defaultVariant": "off"', '"defaultVariant": "on"'),
    );
    expect(runParity(root).drift).toContain(
      'production: ConfigMap telemetry-kit-flags does not hold the flags grafana/environments.yaml declares for production — run npm run generate',
    );
  });

  it('catches a threshold delta naming no alert, which would silently change nothing', () => {
    const root = tamperedCopy('grafana/environments.yaml', (t) =>
      t.replace('- alert: LLMLatencyHigh', '- alert: LLMLatencyHihg'),
    );
    expect(runParity(root).drift.join('\n')).toMatch(
      /LLMLatencyHihg is no alert of grafana\/alerts \(did you mean LLMLatencyHigh\?\)/,
    );
  });

  it('exits non-zero from the command line when there is drift, zero when there is none', () => {
    const root = tamperedCopy('compose/prometheus/rules/errors.yml', (t) =>
      t.replace('[5m]) > 0', '[5m]) > 5'),
    );
    const tsx = path.join(REPO_ROOT, 'node_modules/.bin/tsx');
    const drifted = spawnSync(tsx, ['scripts/parity.ts', '--root', root], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    });
    expect(drifted.status, drifted.stderr).toBe(1);
    expect(drifted.stdout).toMatch(/DRIFT \(\d+\):\n {2}- rule group errors: /);
    const clean = execFileSync(tsx, ['scripts/parity.ts'], { cwd: REPO_ROOT, encoding: 'utf8' });
    expect(clean).toMatch(/^development\n/);
    expect(clean).toContain('no drift');
  });
});
