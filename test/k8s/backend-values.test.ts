// k8s/overlays/<env>/{loki,tempo}.values.yaml against the charts they are given to (files copied
// unchanged into test/k8s/charts/, README there): the loki chart's values.schema.json, and for both charts
// that every key set is one the chart has. No Helm runs here; the GitHub workflow's helm job renders both.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '@telemetry-kit/observability-config/paths';
import type { Settings } from '@telemetry-kit/observability-config/settings';
import {
  backendAddresses,
  chartFullname,
  durationSeconds,
  KUBERNETES_ENVIRONMENTS,
  loadSettings,
} from '@telemetry-kit/observability-config/settings';
import { imageTag } from '@telemetry-kit/observability-config/targets/backend-values';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const settings = loadSettings(REPO_ROOT);
const read = (file: string) => parse(readFileSync(path.join(REPO_ROOT, file), 'utf8'));
const chartDir = (chart: 'loki' | 'tempo-distributed', version: string) =>
  path.join(import.meta.dirname, 'charts', `${chart}-${version}`);
const chartFile = (dir: string, file: string) => readFileSync(path.join(dir, file), 'utf8');

const lokiChart = chartDir('loki', settings.kubernetes.loki.chartVersion);
const tempoChart = chartDir('tempo-distributed', settings.kubernetes.tempo.chartVersion);
const lokiDefaults = parse(chartFile(lokiChart, 'values.yaml'));
const tempoDefaults = parse(chartFile(tempoChart, 'values.yaml'));
const validateLoki = new Ajv({ strict: false, allErrors: true }).compile(
  JSON.parse(chartFile(lokiChart, 'values.schema.json')),
);

type Tree = Record<string, unknown>;
const isMap = (v: unknown): v is Tree => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Paths of `values` the chart does not have. A key must exist among the chart's defaults; below a default
 * that is an empty map, a list or null (free-form: the chart passes it through), nothing is checked, nor
 * below the `passThrough` paths, which hold the application's own configuration.
 */
function unknownKeys(values: Tree, defaults: Tree, passThrough: string[], at = ''): string[] {
  const unknown: string[] = [];
  for (const [key, value] of Object.entries(values)) {
    const where = at ? `${at}.${key}` : key;
    if (!(key in defaults)) {
      unknown.push(where);
      continue;
    }
    const fallback = defaults[key];
    if (passThrough.includes(where) || !isMap(fallback) || Object.keys(fallback).length === 0) continue;
    if (isMap(value)) unknown.push(...unknownKeys(value, fallback, passThrough, where));
  }
  return unknown;
}

/** The loki chart's maps that hold Loki's own configuration blocks, written into its config file. */
const LOKI_CONFIG_BLOCKS = ['loki.limits_config', 'loki.compactor', 'loki.analytics', 'loki.commonConfig'];

interface LokiValues {
  deploymentMode: string;
  loki: {
    image: { tag: string };
    configStorageType: string;
    commonConfig: { replication_factor: number };
    schemaConfig: { configs: Array<{ object_store: string; store: string; schema: string }> };
    storage: { type: string };
    limits_config: Record<string, unknown> & { retention_period: string };
    compactor: { retention_enabled: boolean; delete_request_store: string };
  };
  [component: string]: unknown;
}
interface TempoValues {
  tempo: { image: { tag: string } };
  configStorageType: string;
  ingest: { kafka: { auto_create_topic_default_partitions: number } };
  metricsGenerator: {
    enabled: boolean;
    config: {
      registry: { external_labels: Record<string, string> };
      storage: { remote_write: Array<{ url: string; send_exemplars: boolean }> };
    };
  };
  backendScheduler: { config: { provider: { compaction: { compaction: { block_retention: string } } } } };
  overrides: { defaults: unknown };
  [component: string]: unknown;
}

const replicasOf = (values: Tree, component: string) => (values[component] as { replicas: number }).replicas;

describe.each(KUBERNETES_ENVIRONMENTS)('k8s/overlays/%s: Loki and Tempo values', (env) => {
  const loki = read(`k8s/overlays/${env}/loki.values.yaml`) as LokiValues;
  const tempo = read(`k8s/overlays/${env}/tempo.values.yaml`) as TempoValues;
  const declared = settings.environments[env];
  const backends = declared.backends as NonNullable<Settings['environments']['staging']['backends']>;

  it('Loki’s values pass the chart’s values.schema.json', () => {
    const valid = validateLoki(loki);
    expect(validateLoki.errors ?? [], 'schema errors').toEqual([]);
    expect(valid).toBe(true);
  });

  it('every key is one the charts have (Loki’s own configuration aside)', () => {
    expect(unknownKeys(loki, lokiDefaults, LOKI_CONFIG_BLOCKS)).toEqual([]);
    expect(unknownKeys(tempo, tempoDefaults, [])).toEqual([]);
  });

  it('passes Loki only configuration keys that compose’s Loki runs with', () => {
    const compose = read('compose/loki/loki.yaml') as Record<string, Tree>;
    const composeBlock = { 'loki.limits_config': 'limits_config', 'loki.compactor': 'compactor' } as const;
    for (const [block, key] of Object.entries(composeBlock)) {
      const passed = Object.keys(
        (loki.loki as unknown as Record<string, Tree>)[block.split('.')[1] ?? ''] ?? {},
      );
      expect(passed.length, block).toBeGreaterThan(0);
      for (const name of passed) expect(Object.keys(compose[key] ?? {}), `${block}.${name}`).toContain(name);
    }
  });

  it('keeps logs and traces as long as the environment declares', () => {
    expect(durationSeconds(loki.loki.limits_config.retention_period)).toBe(
      durationSeconds(declared.lokiRetention),
    );
    expect(loki.loki.compactor.retention_enabled).toBe(true);
    // Deletes are recorded where the chunks are.
    expect(loki.loki.compactor.delete_request_store).toBe(loki.loki.storage.type);
    for (const schema of loki.loki.schemaConfig.configs)
      expect(schema.object_store).toBe(loki.loki.storage.type);
    expect(
      durationSeconds(tempo.backendScheduler.config.provider.compaction.compaction.block_retention),
    ).toBe(durationSeconds(declared.traceRetention));
  });

  it('runs Loki in the declared mode, replicas and sizes, on object storage', () => {
    expect(loki.deploymentMode).toBe(backends.loki.mode);
    expect(loki.loki.storage.type).toBe('s3');
    const scalable = ['read', 'write', 'backend'];
    const running = backends.loki.mode === 'SimpleScalable' ? scalable : ['singleBinary'];
    for (const component of ['singleBinary', ...scalable]) {
      expect(replicasOf(loki, component), component).toBe(
        running.includes(component) ? backends.loki.replicas : 0,
      );
    }
    for (const component of running) {
      expect(loki[component], component).toMatchObject({
        resources: { limits: { memory: backends.loki.memory } },
      });
    }
    expect(loki.loki.commonConfig.replication_factor).toBeLessThanOrEqual(backends.loki.replicas);
    // The rendered configuration holds the storage credentials Terraform adds.
    expect(loki.loki.configStorageType).toBe('Secret');
  });

  it('runs Tempo distributed: one block-builder and one live-store per Kafka partition', () => {
    const { partitions, replicas, memory } = backends.tempo;
    expect(tempo.ingest.kafka.auto_create_topic_default_partitions).toBe(partitions);
    expect(replicasOf(tempo, 'blockBuilder')).toBe(partitions);
    expect(replicasOf(tempo, 'liveStore')).toBe(partitions);
    for (const component of [
      'distributor',
      'querier',
      'queryFrontend',
      'backendWorker',
      'metricsGenerator',
    ]) {
      expect(replicasOf(tempo, component), component).toBe(replicas);
    }
    expect(tempo.defaults).toEqual({ resources: { requests: { memory }, limits: { memory } } });
    expect(tempo.configStorageType).toBe('Secret');
  });

  it('generates span metrics and the service graph as compose does, into the stack’s Prometheus', () => {
    const compose = read('compose/tempo/tempo.yaml') as {
      overrides: { defaults: unknown };
      metrics_generator: { registry: { external_labels: Record<string, string> } };
    };
    expect(tempo.metricsGenerator.enabled).toBe(true);
    expect(tempo.overrides.defaults).toEqual(compose.overrides.defaults);
    expect(tempo.metricsGenerator.config.registry.external_labels).toEqual({
      ...compose.metrics_generator.registry.external_labels,
      env,
    });
    expect(tempo.metricsGenerator.config.storage.remote_write).toEqual([
      { url: `${settings.kubernetes.datasources.prometheus}/api/v1/write`, send_exemplars: true },
    ]);
    const stack = read(`k8s/overlays/${env}/kube-prometheus-stack.values.yaml`) as {
      prometheus: { prometheusSpec: { enableRemoteWriteReceiver: boolean } };
    };
    expect(stack.prometheus.prometheusSpec.enableRemoteWriteReceiver).toBe(true);
  });

  it('runs the images images.env pins, which are the charts’ own appVersion', () => {
    expect(loki.loki.image.tag).toBe(imageTag(REPO_ROOT, 'LOKI_IMAGE'));
    expect(tempo.tempo.image.tag).toBe(imageTag(REPO_ROOT, 'TEMPO_IMAGE'));
    for (const [dir, tag, version] of [
      [lokiChart, loki.loki.image.tag, settings.kubernetes.loki.chartVersion],
      [tempoChart, tempo.tempo.image.tag, settings.kubernetes.tempo.chartVersion],
    ] as const) {
      const chart = parse(chartFile(dir, 'Chart.yaml')) as { version: string; appVersion: string };
      expect(chart.version).toBe(version);
      expect(chart.appVersion).toBe(tag);
    }
  });

  it('is where Grafana and Alloy reach Loki and Tempo', () => {
    const addresses = backendAddresses(settings.kubernetes);
    const stack = read(`k8s/overlays/${env}/kube-prometheus-stack.values.yaml`) as {
      grafana: { additionalDataSources: Array<{ uid: string; url: string }> };
    };
    const url = (uid: string) => stack.grafana.additionalDataSources.find((d) => d.uid === uid)?.url;
    expect(url('loki')).toBe(addresses.lokiGateway);
    expect(url('tempo')).toBe(addresses.tempoQuery);
    const alloy = readFileSync(path.join(REPO_ROOT, `k8s/overlays/${env}/alloy.values.yaml`), 'utf8');
    expect(alloy).toContain(`endpoint = "${addresses.tempoOtlpGrpc}"`);
    expect(alloy).toContain(`url = "${addresses.lokiGateway}/loki/api/v1/push"`);
  });
});

describe('the chart checks are live', () => {
  const loki = read('k8s/overlays/production/loki.values.yaml') as LokiValues;

  it('a misspelt key is caught, and a wrong type fails the schema', () => {
    const misspelt = { ...loki, singleBinary: { replica: 1 } };
    expect(unknownKeys(misspelt, lokiDefaults, LOKI_CONFIG_BLOCKS)).toEqual(['singleBinary.replica']);
    expect(unknownKeys({ metricsGenerator: { enable: true } }, tempoDefaults, [])).toEqual([
      'metricsGenerator.enable',
    ]);
    expect(validateLoki({ ...loki, write: { replicas: 'three' } })).toBe(false);
  });

  it('names Services as the charts’ fullname helpers do', () => {
    expect(chartFullname('loki', 'loki')).toBe('loki');
    expect(chartFullname('logs', 'loki')).toBe('logs-loki');
    expect(chartFullname('kit-tempo', 'tempo')).toBe('kit-tempo');
  });
});
