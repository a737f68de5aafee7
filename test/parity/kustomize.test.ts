import { readFileSync } from 'node:fs';
import path from 'node:path';
import { buildOverlay } from '@telemetry-kit/observability-config/parity';
import { REPO_ROOT } from '@telemetry-kit/observability-config/paths';
import { ANNOTATION_LIMIT_BYTES } from '@telemetry-kit/observability-config/targets/kubernetes';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

describe.each(['staging', 'production'] as const)(
  'kubectl kustomize k8s/overlays/%s',
  { timeout: 30_000 },
  (env) => {
    const objects = buildOverlay(REPO_ROOT, env);

    it('builds, with one dashboard ConfigMap per dashboard, each labelled grafana_dashboard', () => {
      const dashboards = objects.filter(
        (o) => o.kind === 'ConfigMap' && o.metadata?.labels?.grafana_dashboard === '1',
      );
      expect(dashboards).toHaveLength(7);
    });

    it('keeps every dashboard ConfigMap under the 262144-byte annotation limit', () => {
      for (const o of objects.filter((x) => x.kind === 'ConfigMap')) {
        expect(Buffer.byteLength(JSON.stringify(o)), o.metadata?.name).toBeLessThan(ANNOTATION_LIMIT_BYTES);
      }
    });

    it('carries the rule groups as PrometheusRule objects and the receivers as an AlertmanagerConfig', () => {
      expect(objects.filter((o) => o.kind === 'PrometheusRule')).toHaveLength(5);
      expect(objects.filter((o) => o.kind === 'AlertmanagerConfig')).toHaveLength(1);
    });

    it(`labels everything environment=${env} and sets its Loki retention`, () => {
      for (const o of objects)
        expect(o.metadata?.labels?.environment, `${o.kind} ${o.metadata?.name}`).toBe(env);
      const environment = objects.find((o) => o.metadata?.name?.startsWith('telemetry-environment'));
      expect(environment?.data?.LOKI_RETENTION_PERIOD).toBe(env === 'staging' ? '14d' : '30d');
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
      expect(kustomization.resources).toEqual(['../../base', 'alertmanager-config.yaml']);
    }
  });
});
