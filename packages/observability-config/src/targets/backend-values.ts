// Loki and Tempo chart values for each Kubernetes environment, installed by
// terraform/modules/observability-stack. What compose runs (compose/loki/loki.yaml, compose/tempo/tempo.yaml)
// is the source of what both do: the schema, structured metadata, the metrics-generator's processors and
// labels. The environment declares the rest (grafana/environments.yaml): retention, mode, replicas, sizes.
// The object storage (buckets, endpoint, credentials) and Tempo's Kafka are Terraform inputs and never
// land in these files. Keys checked against grafana-community/helm-charts at loki-18.11.0 (values.yaml,
// values.schema.json, templates/_helpers.tpl) and tempo-distributed-3.3.0 (values.yaml, the `config`
// template), and the Tempo keys against grafana/tempo v3.0.3.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { generatedHeader } from '../generated-header.ts';
import { SOURCE, TARGET } from '../paths.ts';
import { pinnedImage } from '../pins.ts';
import type { BackendSettings, DeployedEnvironment, Settings } from '../settings.ts';
import { KUBERNETES_ENVIRONMENTS } from '../settings.ts';
import { yamlDocument } from './compose.ts';
import { hours } from './compose-settings.ts';

/** A pinned image's tag (grafana/loki:3.7.6 → 3.7.6). */
export function imageTag(root: string, variable: string): string {
  return pinnedImage(root, variable).split(':').at(-1) ?? '';
}

interface ComposeLoki {
  auth_enabled: boolean;
  schema_config: { configs: Array<Record<string, unknown>> };
  limits_config: Record<string, unknown>;
  compactor: Record<string, unknown>;
  analytics: Record<string, unknown>;
}

interface ComposeTempo {
  stream_over_http_enabled: boolean;
  metrics_generator: { registry: { external_labels: Record<string, string> } };
  overrides: { defaults: Record<string, unknown> };
  usage_report: { reporting_enabled: boolean };
}

function composeConfig<T>(root: string, file: string): T {
  return parse(readFileSync(path.join(root, file), 'utf8')) as T;
}

/** Requests and limits alike: the declared memory is what a pod may use. */
const memoryOf = (memory: string) => ({ requests: { memory }, limits: { memory } });

/** 4Gi → 4096: the chart sizes memcached in megabytes. */
export function mebibytes(size: string): number {
  const [, amount, unit] = /^(\d+)(Mi|Gi)$/.exec(size) ?? [];
  return Number(amount) * (unit === 'Gi' ? 1024 : 1);
}

export function lokiValues(compose: ComposeLoki, backends: BackendSettings, tag: string, retention: string) {
  const { mode, replicas, memory, volume, chunksCache } = backends.loki;
  const { retention_period: _development, ...limits } = compose.limits_config;
  const scalable = mode === 'SimpleScalable';
  const pod = (enabled: boolean, persistent: boolean) => ({
    replicas: enabled ? replicas : 0,
    ...(enabled ? { resources: memoryOf(memory) } : {}),
    ...(enabled && persistent ? { persistence: { size: volume } } : {}),
  });
  return {
    deploymentMode: mode,
    loki: {
      image: { tag },
      // The rendered configuration carries the storage credentials: a Secret, not the chart's ConfigMap.
      configStorageType: 'Secret',
      auth_enabled: compose.auth_enabled,
      // Each stream is written to this many ingesters: no more than there are.
      commonConfig: { replication_factor: Math.min(3, replicas) },
      // compose's schema, on object storage instead of the filesystem.
      schemaConfig: {
        configs: compose.schema_config.configs.map((c) => ({ ...c, object_store: 's3' })),
      },
      // The buckets, endpoint and credentials are Terraform inputs (terraform/modules/observability-stack).
      storage: { type: 's3' },
      limits_config: { ...limits, retention_period: hours(retention) },
      // compose's retention behaviour; the working directory stays the chart's (under its volume).
      compactor: {
        retention_enabled: compose.compactor.retention_enabled,
        retention_delete_delay: compose.compactor.retention_delete_delay,
        delete_request_store: 's3',
      },
      analytics: compose.analytics,
    },
    singleBinary: pod(!scalable, true),
    write: pod(scalable, true),
    read: pod(scalable, false),
    backend: pod(scalable, true),
    chunksCache: { allocatedMemory: mebibytes(chunksCache) },
  };
}

/** Where Tempo 3.0 keeps its block retention in the chart (the backend scheduler's compaction provider). */
export const TEMPO_CHART_RETENTION = [
  'backendScheduler',
  'config',
  'provider',
  'compaction',
  'compaction',
  'block_retention',
];

export function tempoValues(
  compose: ComposeTempo,
  backends: BackendSettings,
  tag: string,
  env: DeployedEnvironment,
  retention: string,
  prometheusUrl: string,
) {
  const { partitions, replicas, memory } = backends.tempo;
  return {
    tempo: { image: { tag } },
    // The rendered configuration carries the storage credentials: a Secret, not a ConfigMap.
    configStorageType: 'Secret',
    reportingEnabled: compose.usage_report.reporting_enabled,
    streamOverHTTPEnabled: compose.stream_over_http_enabled,
    // Alloy forwards spans over OTLP/gRPC; the browser's come the same way.
    traces: { otlp: { grpc: { enabled: true }, http: { enabled: true } } },
    // Tempo 3.0 distributed: distributors write to Kafka (its address is a Terraform input), and one
    // block-builder and one live-store consume each partition.
    ingest: { kafka: { auto_create_topic_default_partitions: partitions } },
    blockBuilder: { replicas: partitions },
    liveStore: { replicas: partitions },
    distributor: { replicas },
    querier: { replicas },
    queryFrontend: { replicas },
    backendWorker: { replicas },
    // As compose runs it: span metrics and the service graph, remote-written with exemplars to the
    // Prometheus the dashboards read, labelled with the environment.
    metricsGenerator: {
      enabled: true,
      replicas,
      config: {
        registry: { external_labels: { ...compose.metrics_generator.registry.external_labels, env } },
        storage: { remote_write: [{ url: `${prometheusUrl}/api/v1/write`, send_exemplars: true }] },
      },
    },
    backendScheduler: {
      config: { provider: { compaction: { compaction: { block_retention: hours(retention) } } } },
    },
    overrides: { defaults: compose.overrides.defaults },
    defaults: { resources: memoryOf(memory) },
  };
}

/** k8s/overlays/<env>/{loki,tempo}.values.yaml for each Kubernetes environment. */
export function renderBackendValues(root: string, settings: Settings): Map<string, string> {
  const files = new Map<string, string>();
  const loki = composeConfig<ComposeLoki>(root, TARGET.composeLoki);
  const tempo = composeConfig<ComposeTempo>(root, TARGET.composeTempo);
  const lokiTag = imageTag(root, 'LOKI_IMAGE');
  const tempoTag = imageTag(root, 'TEMPO_IMAGE');
  const { kubernetes } = settings;
  for (const env of KUBERNETES_ENVIRONMENTS) {
    const envSettings = settings.environments[env];
    const backends = envSettings.backends;
    if (!backends) throw new Error(`${SOURCE.settings}: environments.${env} needs a backends block`);
    const source = `the ${env} settings in ${SOURCE.settings}`;
    files.set(
      `${TARGET.k8sOverlays}/${env}/loki.values.yaml`,
      generatedHeader(`${source}, ${TARGET.composeLoki} and images.env`) +
        `# Installed by ${TARGET.terraformStackModule} (helm_release.loki: chart loki ${kubernetes.loki.chartVersion}),\n` +
        '# which adds the buckets, the endpoint and the credentials.\n' +
        yamlDocument(lokiValues(loki, backends, lokiTag, envSettings.lokiRetention)),
    );
    files.set(
      `${TARGET.k8sOverlays}/${env}/tempo.values.yaml`,
      generatedHeader(`${source}, ${TARGET.composeTempo} and images.env`) +
        `# Installed by ${TARGET.terraformStackModule} (helm_release.tempo: chart tempo-distributed ${kubernetes.tempo.chartVersion}),\n` +
        "# which adds the bucket, the endpoint, the credentials and Kafka's address.\n" +
        yamlDocument(
          tempoValues(
            tempo,
            backends,
            tempoTag,
            env,
            envSettings.traceRetention,
            kubernetes.datasources.prometheus,
          ),
        ),
    );
  }
  return files;
}
