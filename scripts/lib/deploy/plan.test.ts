import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { deployPlan } from './plan.ts';

const root = path.resolve(import.meta.dirname, '../../..');
const overlay = (env: string) =>
  execFileSync('kubectl', ['kustomize', path.join(root, 'k8s/overlays', env)], { encoding: 'utf8' });

describe('npm run deploy: the order of a deploy', () => {
  it.each(['staging', 'production'])('%s: migrations run before any serving workload changes', (env) => {
    const plan = deployPlan(overlay(env));
    expect(plan.migrations.map((j) => j.metadata.name).sort()).toEqual([
      'gateway-migrate',
      'marketplace-migrate',
    ]);
    // The Jobs come after the first step; Deployments only in the last, after the Jobs completed.
    expect(plan.prepare.some((o) => ['Deployment', 'Rollout', 'Job'].includes(o.kind))).toBe(false);
    // The kit ships a managed database: no Cluster to wait for.
    expect(plan.databases).toEqual([]);
    expect(plan.rollout.map((o) => o.kind)).toContain('Rollout');
    // The analyses a Rollout names exist before it starts.
    expect(plan.prepare.map((o) => o.kind)).toContain('AnalysisTemplate');
    // What a Job needs is in the first step: its namespace, ServiceAccount and ConfigMaps.
    expect(plan.prepare.map((o) => o.kind)).toEqual(
      expect.arrayContaining(['Namespace', 'ServiceAccount', 'ConfigMap']),
    );
  });

  it('waits for a CloudNativePG Cluster before the migrations, which need its primary', () => {
    const plan = deployPlan(
      [
        'kind: Namespace\nmetadata: { name: telemetry-kit }',
        'apiVersion: postgresql.cnpg.io/v1\nkind: Cluster\nmetadata: { name: telemetry-kit-db }',
        'kind: Job\nmetadata: { name: gateway-migrate }',
        'kind: Deployment\nmetadata: { name: gateway }',
      ].join('\n---\n'),
    );
    expect(plan.prepare.map((o) => o.kind)).toEqual(['Namespace', 'Cluster']);
    expect(plan.databases.map((o) => o.metadata.name)).toEqual(['telemetry-kit-db']);
    expect(plan.migrations.map((o) => o.metadata.name)).toEqual(['gateway-migrate']);
    expect(plan.rollout.map((o) => o.kind)).toEqual(['Deployment']);
  });
});
