// scripts/ci/helm-template.ts, the GitHub workflow's helm job, run here against a `helm` that records
// its arguments (no chart can be downloaded here): it must render every release the Terraform module
// installs, for each environment, with the module's chart and the environment's versions and values.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '@telemetry-kit/observability-config/paths';
import { KUBERNETES_ENVIRONMENTS } from '@telemetry-kit/observability-config/settings';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { moduleReleases, PLACEHOLDERS } from '../../scripts/ci/helm-template.ts';

const bin = mkdtempSync(path.join(tmpdir(), 'kit-fake-helm-'));
const log = path.join(bin, 'calls.jsonl');
writeFileSync(
  path.join(bin, 'helm'),
  `#!/usr/bin/env node\nrequire('node:fs').appendFileSync(${JSON.stringify(log)}, JSON.stringify(process.argv.slice(2)) + '\\n');\nconsole.log('kind: ConfigMap');\n`,
);
chmodSync(path.join(bin, 'helm'), 0o755);
afterAll(() => rmSync(bin, { recursive: true, force: true }));

const valueAt = (doc: unknown, dotted: string) =>
  dotted.split('.').reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], doc);

// The script runs in its own tsx process: a few seconds on a loaded machine.
describe('scripts/ci/helm-template.ts (the helm job)', { timeout: 60_000 }, () => {
  it('renders each release of the module for each environment, as Terraform installs it', async () => {
    const out = path.join(bin, 'out');
    const run = spawnSync(
      path.join(REPO_ROOT, 'node_modules/.bin/tsx'),
      ['scripts/ci/helm-template.ts', '--out', out],
      { cwd: REPO_ROOT, encoding: 'utf8', env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } },
    );
    expect(run.status, run.stderr).toBe(0);
    const calls = readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as string[]);
    const releases = await moduleReleases();
    expect(releases.map((r) => r.chart).sort()).toEqual(
      ['alloy', 'kube-prometheus-stack', 'loki', 'tempo-distributed'].sort(),
    );
    expect(calls).toHaveLength(KUBERNETES_ENVIRONMENTS.length * releases.length);
    for (const env of KUBERNETES_ENVIRONMENTS) {
      const tfvars = JSON.parse(
        readFileSync(
          path.join(REPO_ROOT, 'terraform/environments', env, 'environment.generated.auto.tfvars.json'),
          'utf8',
        ),
      ) as Record<string, { release: string; chart_version: string; namespace: string }>;
      for (const release of releases) {
        const declared = tfvars[release.variable];
        const call = calls.find(
          (c) => c.includes(release.chart) && c.some((a) => a.includes(`/overlays/${env}/`)),
        );
        expect(call, `${env} ${release.chart}`).toBeDefined();
        const arg = (flag: string) => call?.[call.indexOf(flag) + 1];
        expect(call?.slice(0, 3)).toEqual(['template', declared?.release, release.chart]);
        expect(arg('--repo')).toBe(release.repository);
        expect(arg('--version')).toBe(declared?.chart_version);
        expect(arg('--namespace')).toBe(declared?.namespace);
        const values = call?.flatMap((a, i) => (call[i - 1] === '--values' ? [a] : [])) ?? [];
        for (const file of release.valuesFiles)
          expect(values).toContain(path.join(REPO_ROOT, 'k8s/overlays', env, file));
      }
    }
  });

  it('has a placeholder for every value the module sets from a secret', async () => {
    for (const release of await moduleReleases()) {
      for (const name of release.sensitive) {
        expect(valueAt(PLACEHOLDERS[release.variable], name), `${release.variable}: ${name}`).toBeDefined();
      }
    }
    // And nothing of the placeholders is in the generated values, which go to git.
    for (const env of KUBERNETES_ENVIRONMENTS) {
      const loki = parse(readFileSync(path.join(REPO_ROOT, 'k8s/overlays', env, 'loki.values.yaml'), 'utf8'));
      expect(valueAt(loki, 'loki.storage.bucketNames')).toBeUndefined();
      expect(valueAt(loki, 'loki.storage.s3')).toBeUndefined();
    }
  });
});
