import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadDashboards } from '@telemetry-kit/observability-config/dashboards';
import { buildOverlay } from '@telemetry-kit/observability-config/parity';
import { REPO_ROOT } from '@telemetry-kit/observability-config/paths';
import { KUBERNETES_ENVIRONMENTS, loadSettings } from '@telemetry-kit/observability-config/settings';
import { loadComposeDatasources } from '@telemetry-kit/observability-config/targets/stack-values';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

interface StackValues {
  prometheus: { prometheusSpec: Record<string, unknown> };
  alertmanager: { alertmanagerSpec: Record<string, unknown> };
  grafana: {
    sidecar: { dashboards: { folderAnnotation: string; provider: { foldersFromFilesStructure: boolean } } };
    additionalDataSources: Array<{ uid: string; url: string; jsonData?: Record<string, unknown> }>;
  };
}

/** Every datasource UID a dashboard panel, target or variable names. */
function datasourceUids(value: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const item of value) datasourceUids(item, found);
  else if (value && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      if (key === 'datasource' && child && typeof child === 'object' && 'uid' in child) {
        const uid = (child as { uid: unknown }).uid;
        if (typeof uid === 'string' && !uid.startsWith('$') && !uid.startsWith('-- ')) found.add(uid);
      }
      datasourceUids(child, found);
    }
  }
  return found;
}

describe.each(KUBERNETES_ENVIRONMENTS)('k8s/overlays/%s/kube-prometheus-stack.values.yaml', (env) => {
  const settings = loadSettings(REPO_ROOT);
  const values = parse(
    readFileSync(path.join(REPO_ROOT, 'k8s/overlays', env, 'kube-prometheus-stack.values.yaml'), 'utf8'),
  ) as StackValues;
  const objects = buildOverlay(REPO_ROOT, env);

  it('selects the PrometheusRules, the PodMonitor and the AlertmanagerConfig by the labels they carry', () => {
    const spec = values.prometheus.prometheusSpec;
    const byKind = (kind: string) => objects.filter((o) => o.kind === kind);
    const selects = (selector: unknown, kind: string) => {
      const { matchLabels } = selector as { matchLabels: Record<string, string> };
      for (const o of byKind(kind)) {
        for (const [k, v] of Object.entries(matchLabels))
          expect(o.metadata?.labels?.[k], `${kind} ${k}`).toBe(v);
      }
      expect(byKind(kind).length).toBeGreaterThan(0);
    };
    expect(spec.ruleSelectorNilUsesHelmValues).toBe(false);
    selects(spec.ruleSelector, 'PrometheusRule');
    selects(spec.podMonitorSelector, 'PodMonitor');
    selects(values.alertmanager.alertmanagerSpec.alertmanagerConfigSelector, 'AlertmanagerConfig');
  });

  it('routes by namespace (OnNamespace), which every alert keeps', () => {
    expect(values.alertmanager.alertmanagerSpec.alertmanagerConfigMatcherStrategy).toEqual({
      type: 'OnNamespace',
    });
  });

  it('files dashboards by the annotation their ConfigMaps carry', () => {
    const annotation = values.grafana.sidecar.dashboards.folderAnnotation;
    const dashboards = objects.filter((o) => o.metadata?.labels?.grafana_dashboard === '1');
    expect(dashboards.length).toBeGreaterThan(0);
    for (const d of dashboards) {
      expect(
        (d.metadata as { annotations?: Record<string, string> }).annotations?.[annotation],
      ).toBeDefined();
    }
    expect(values.grafana.sidecar.dashboards.provider.foldersFromFilesStructure).toBe(true);
  });

  it('provides every datasource UID the dashboards use, linked as compose links them', async () => {
    const used = new Set<string>();
    for (const dashboard of await loadDashboards(REPO_ROOT)) datasourceUids(dashboard.json, used);
    const provided = values.grafana.additionalDataSources.map((d) => d.uid);
    for (const uid of used) expect(provided, `the dashboards use datasource ${uid}`).toContain(uid);
    const compose = loadComposeDatasources(REPO_ROOT);
    for (const ds of values.grafana.additionalDataSources) {
      const local = compose.find((c) => c.uid === ds.uid);
      expect(ds.url).toBe(settings.kubernetes.datasources[ds.uid as 'loki']);
      const { timeInterval: _interval, ...jsonData } = (ds.jsonData ?? {}) as Record<string, unknown>;
      const { timeInterval: _local, ...localJsonData } = (local?.jsonData ?? {}) as Record<string, unknown>;
      expect(jsonData, ds.uid).toEqual(localJsonData);
    }
  });

  it('enables the exemplar storage and remote-write receiver the panels and Tempo need', () => {
    expect(values.prometheus.prometheusSpec.enableFeatures).toContain('exemplar-storage');
    expect(values.prometheus.prometheusSpec.enableRemoteWriteReceiver).toBe(true);
  });
});
