import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { SOURCE } from './paths.ts';

/** A Helm release of the telemetry stack: its name (which names its Services), chart version and namespace. */
const release = z.strictObject({
  release: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'a Helm release name'),
  chartVersion: z.string().regex(/^\d+\.\d+\.\d+$/),
  namespace: z.string().min(1),
});

/**
 * A chart's resource name prefix, as the loki and tempo-distributed charts' `fullname` helpers make it:
 * the release name when it contains the chart's name, `<release>-<name>` otherwise.
 */
export function chartFullname(release: string, name: string): string {
  return (release.includes(name) ? release : `${release}-${name}`).slice(0, 63).replace(/-+$/, '');
}

/**
 * The Services Loki's and Tempo's charts create (loki 18.11.0 templates/gateway/service.yaml: the
 * gateway on port 80; tempo-distributed 3.3.0: query-frontend on the HTTP port 3200, the distributor's
 * OTLP/gRPC receiver on 4317).
 */
export function backendAddresses(kubernetes: {
  loki: { release: string; namespace: string };
  tempo: { release: string; namespace: string };
}) {
  const loki = chartFullname(kubernetes.loki.release, 'loki');
  const tempo = chartFullname(kubernetes.tempo.release, 'tempo');
  return {
    lokiGateway: `http://${loki}-gateway.${kubernetes.loki.namespace}`,
    tempoQuery: `http://${tempo}-query-frontend.${kubernetes.tempo.namespace}:3200`,
    tempoOtlpGrpc: `${tempo}-distributor.${kubernetes.tempo.namespace}:4317`,
  };
}

/** The environments that are deployed and must not drift from each other. */
export const DEPLOYED_ENVIRONMENTS = ['development', 'staging', 'production'] as const;
export type DeployedEnvironment = (typeof DEPLOYED_ENVIRONMENTS)[number];
/** The environments that run in Kubernetes (k8s/overlays); development runs in compose. */
export const KUBERNETES_ENVIRONMENTS = ['staging', 'production'] as const satisfies DeployedEnvironment[];
/** `test` is the short-interval environment of the live alert scenario; it is never deployed. */
export type EnvironmentName = DeployedEnvironment | 'test';

const duration = z.string().regex(/^(\d+(ms|s|m|h|d|w|y))+$/, 'a Prometheus duration such as 15s, 5m or 14d');

const UNIT_SECONDS: Record<string, number> = {
  ms: 0.001,
  s: 1,
  m: 60,
  h: 3600,
  d: 86_400,
  w: 604_800,
  y: 31_536_000,
};

/** A Prometheus duration (1h30m, 7d) in seconds. */
export function durationSeconds(duration: string): number {
  let seconds = 0;
  for (const [, amount, unit] of duration.matchAll(/(\d+)(ms|s|m|h|d|w|y)/g)) {
    seconds += Number(amount) * (UNIT_SECONDS[unit ?? 's'] ?? Number.NaN);
  }
  return seconds;
}

const receiver = z.discriminatedUnion('kind', [
  // Nothing is sent: alerts stay visible in Alertmanager's own UI (the local default).
  z.object({ name: z.string(), kind: z.literal('alertmanager-ui') }),
  z.object({ name: z.string(), kind: z.literal('webhook'), url: z.url() }),
  z.object({ name: z.string(), kind: z.literal('slack'), channel: z.string().startsWith('#') }),
  z.object({
    name: z.string(),
    kind: z.literal('pagerduty'),
    severities: z.array(z.enum(['critical', 'warning', 'info'])).default(['critical']),
  }),
]);
export type Receiver = z.infer<typeof receiver>;

/** Pods of another namespace a NetworkPolicy lets in or out: where they run and how they are labelled. */
const peer = z.strictObject({
  namespace: z.string().min(1),
  podLabels: z.record(z.string(), z.string()),
  port: z.number().int().positive(),
});

/** How a Kubernetes environment runs the services: the deltas between staging and production. */
const workloads = z.strictObject({
  replicas: z.number().int().min(1),
  /** A HorizontalPodAutoscaler per service (min is at least replicas), with a PodDisruptionBudget. */
  autoscale: z
    .strictObject({ max: z.number().int().min(2), cpuUtilization: z.number().int().min(10).max(100) })
    .optional(),
  /** A ReadWriteMany storage class for data replicas share (rituals' audio), and the size asked. */
  sharedStorageClass: z.string().min(1).optional(),
  sharedStorageSize: z
    .string()
    .regex(/^\d+(Mi|Gi|Ti)$/)
    .default('10Gi'),
  /** The CloudNativePG Cluster of this environment (database.provider cloudnative-pg). */
  database: z
    .strictObject({
      instances: z.number().int().min(1),
      storage: z.string().regex(/^\d+(Mi|Gi|Ti)$/),
      /** How long base backups and WALs are kept, e.g. 30d. */
      backupRetention: z.string().regex(/^\d+[dwm]$/),
    })
    .optional(),
  /**
   * Whether a blue-green rollout (Argo Rollouts) promotes its preview by itself once the pre-promotion
   * analysis passes, or waits for `kubectl argo rollouts promote`.
   */
  autoPromotion: z.boolean(),
  /** The public host (Ingress) and the Secret holding its TLS certificate. */
  host: z.string().regex(/^[a-z0-9.-]+$/),
  tlsSecret: z.string().min(1),
  /**
   * Services of the catalogue that this environment does not run, and what the callers reach instead:
   * the address, and the Secret key that goes with it (an API key) under the variable the caller reads.
   */
  external: z
    .record(
      z.string(),
      z.strictObject({
        url: z.url(),
        secret: z.strictObject({ name: z.string(), key: z.string(), variable: z.string() }).optional(),
      }),
    )
    .default({}),
});
export type WorkloadSettings = z.infer<typeof workloads>;

const memory = z.string().regex(/^\d+(Mi|Gi)$/, 'a memory size such as 512Mi or 4Gi');

/**
 * How a Kubernetes environment runs Loki and Tempo (terraform/modules/observability-stack): mode, replicas
 * and sizes, the deltas between staging and production. Both store in object storage (Terraform inputs).
 */
const backends = z.strictObject({
  loki: z.strictObject({
    /** The chart's deployment mode: Monolithic (one binary) or SimpleScalable (read, write and backend). */
    mode: z.enum(['Monolithic', 'SimpleScalable']),
    /** Replicas of the single binary, or of each of read, write and backend. */
    replicas: z.number().int().min(1),
    /** Memory requested (and the limit) of each of those pods. */
    memory,
    /** The persistent volume of each pod that keeps a write-ahead log (single binary, write, backend). */
    volume: memory,
    /** The memcached chunks cache (the chart's default, 8Gi, does not fit a small cluster). */
    chunksCache: memory,
  }),
  tempo: z.strictObject({
    /** Kafka partitions of the trace topic: one block-builder and one live-store per partition. */
    partitions: z.number().int().min(1),
    /** Replicas of each stateless component: distributor, querier, query-frontend, metrics-generator, backend worker. */
    replicas: z.number().int().min(1),
    /** Memory requested (and the limit) of each Tempo pod. */
    memory,
  }),
});
export type BackendSettings = z.infer<typeof backends>;

/**
 * An environment's feature-flag defaults over the one definition (flags/flags.flagd.json), by flag key:
 * `defaultVariant`, the variant served when no rule matches, and `weights`, the percent of users each
 * variant of the flag's fractional rule gets (a gradual rollout or an A/B split; 100 in all). Keys and
 * variants are checked against the definition when the flag files are rendered (targets/flags.ts).
 */
const flagDefaults = z.record(
  z.string().min(1),
  z
    .strictObject({
      defaultVariant: z.string().min(1).optional(),
      weights: z
        .record(z.string().min(1), z.number().int().min(0).max(100))
        .refine(
          (weights) => Object.values(weights).reduce((sum, weight) => sum + weight, 0) === 100,
          'weights are percents of users: they must add up to 100',
        )
        .optional(),
    })
    .refine((flag) => flag.defaultVariant !== undefined || flag.weights !== undefined, {
      message: 'declare a defaultVariant, weights, or both',
    }),
);
export type FlagDefaults = z.infer<typeof flagDefaults>;

const environment = z.strictObject({
  lokiRetention: duration,
  /** How long Tempo keeps trace blocks (compose's tempo.yaml, the Tempo chart's block_retention). */
  traceRetention: duration,
  scrapeInterval: duration,
  evaluationInterval: duration,
  receivers: z.array(receiver).min(1),
  /** Replaces every non-zero `for:` (short-interval test environment only). */
  alertFor: duration.optional(),
  /** Replaces range windows in rule expressions, e.g. 5m → 10s (short-interval test environment only). */
  rangeWindows: z.record(duration, duration).optional(),
  /** Kubernetes environments only: replicas, autoscaling, public host, the hosted LLM. */
  workloads: workloads.optional(),
  /** Kubernetes environments only: Loki's and Tempo's modes, replicas and sizes. */
  backends: backends.optional(),
  /** Feature-flag defaults that differ from the definition's (flags/flags.flagd.json). */
  flags: flagDefaults.default({}),
});
export type EnvironmentSettings = z.infer<typeof environment>;

const threshold = z.strictObject({
  alert: z.string(),
  default: z.number(),
  environments: z.partialRecord(z.enum(DEPLOYED_ENVIRONMENTS), z.number()),
  reason: z.string().min(20, 'say why this threshold must differ between environments'),
});
export type ThresholdDelta = z.infer<typeof threshold>;

const settingsFile = z.strictObject({
  /** Where docs/runbooks/ can be read in a browser: alerts carry absolute runbook URLs built on it. */
  runbookBaseUrl: z.url().endsWith('/', 'end the base URL with a slash (it is joined to docs/runbooks/…)'),
  /** What the Kubernetes targets need to know of the cluster they are applied to. */
  kubernetes: z
    .strictObject({
      namespace: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'a Kubernetes namespace name'),
      /** kube-prometheus-stack's Helm release: its Prometheus selects PrometheusRules and PodMonitors by `release`. */
      stackRelease: z.string().min(1),
      /** The kube-prometheus-stack chart version the rendered values were checked against. */
      stackChartVersion: z.string().regex(/^\d+\.\d+\.\d+$/),
      /**
       * In-cluster URLs of Prometheus and Alertmanager behind Grafana's datasources (their fixed UIDs are
       * compose's). Loki's and Tempo's follow from their releases (the `loki` and `tempo` entries).
       */
      datasources: z.strictObject({
        prometheus: z.url(),
        alertmanager: z.url(),
      }),
      /** Loki, from the grafana-community `loki` chart (its appVersion is images.env's LOKI_IMAGE). */
      loki: release,
      /** Tempo, from the grafana-community `tempo-distributed` chart (appVersion = TEMPO_IMAGE). */
      tempo: release,
      /**
       * Argo Rollouts: the version whose CRDs the generated objects were validated against, where its
       * controller runs (its web metrics reach the previews), and what every rollout does.
       */
      rollouts: z.strictObject({
        version: z.string().regex(/^\d+\.\d+\.\d+$/),
        controller: peer.omit({ port: true }),
        /** The canary's traffic share at each step, in percent, ending at 100. */
        canarySteps: z
          .array(z.number().int().min(1).max(100))
          .min(2)
          .refine(
            (steps) => steps.at(-1) === 100 && steps.every((s, i) => i === 0 || s > (steps[i - 1] ?? 0)),
            {
              message: 'rising percentages that end at 100',
            },
          ),
        /** How long each canary step holds before the next. */
        stepPause: duration,
        /** The alerts whose expressions, scoped to the new version's pods, gate every rollout. */
        gates: z.array(z.string()).min(1),
        /** How often a gate is measured. */
        analysisInterval: duration,
        /** How long the previous version's pods are kept after a promotion: `undo` within it is instant. */
        scaleDownDelaySeconds: z.number().int().min(30),
      }),
      /** Where the services' images are pushed: <registry>/<service>:<tag>. */
      imageRegistry: z.string().regex(/^[a-z0-9.-]+(:\d+)?(\/[a-z0-9._-]+)*$/),
      /** The in-cluster collector the services send OTLP to (NetworkPolicy egress and the endpoint). */
      collector: peer.extend({
        /** Alloy's Helm chart (grafana/alloy) version the rendered values were checked against. */
        chartVersion: z.string().regex(/^\d+\.\d+\.\d+$/),
        /** Its Helm release name, which names its Service (otlpEndpoint's host). */
        release: z.string().min(1),
        otlpEndpoint: z.url(),
      }),
      /** The Prometheus that scrapes the services (NetworkPolicy ingress). */
      prometheus: peer,
      /** The ingress controller (class, and where its pods run: NetworkPolicy ingress). */
      ingress: peer.extend({ className: z.string().min(1) }),
      /**
       * The PostgreSQL of the schema-owning services. `managed` (what the overlays ship): a database
       * outside the cluster, its URL in a Secret. `cloudnative-pg`: a CloudNativePG Cluster in the
       * namespace (instances per environment in `workloads.database`), backed up to object storage.
       */
      database: z.strictObject({
        provider: z.enum(['managed', 'cloudnative-pg']),
        port: z.number().int().positive(),
        /** The Secret holding the managed database's URL (never in git), and the network it is in. */
        managed: z.strictObject({ secret: z.string().min(1), key: z.string().min(1), cidr: z.cidrv4() }),
        cloudnativePg: z.strictObject({
          /** The Cluster's name; the operator writes the services' URL into `<cluster>-app` (key `uri`). */
          cluster: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/),
          /** The operator and Barman Cloud plugin versions the rendered objects were validated against. */
          operatorVersion: z.string().regex(/^\d+\.\d+\.\d+$/),
          barmanCloudPluginVersion: z.string().regex(/^\d+\.\d+\.\d+$/),
          /** Where the operator runs (NetworkPolicy ingress to the instances). */
          operator: peer.omit({ port: true }),
          backups: z.strictObject({
            /** The S3 (or S3-compatible) bucket of WALs and base backups; a folder per environment in it. */
            destinationPath: z.string().regex(/^s3:\/\/.+\/$/, 'an s3:// bucket URL ending in /'),
            /** An S3-compatible endpoint other than AWS (MinIO, Ceph…); its port is let out. */
            endpointURL: z.url().optional(),
            /** A Secret (never in git) with ACCESS_KEY_ID and ACCESS_SECRET_KEY. */
            credentialsSecret: z.string().min(1),
            /** CloudNativePG's six-field cron (seconds first). */
            schedule: z.string().regex(/^(\S+\s+){5}\S+$/, 'six cron fields, seconds first'),
          }),
        }),
      }),
    })
    // Where Loki and Tempo answer follows from their releases, as their charts name the Services.
    .transform((kubernetes) => {
      const addresses = backendAddresses(kubernetes);
      return {
        ...kubernetes,
        datasources: { ...kubernetes.datasources, loki: addresses.lokiGateway, tempo: addresses.tempoQuery },
        collector: { ...kubernetes.collector, tempoOtlpGrpc: addresses.tempoOtlpGrpc },
      };
    }),
  environments: z.strictObject({
    development: environment,
    staging: environment,
    production: environment,
    test: environment,
  }),
  thresholds: z.array(threshold).default([]),
});
export type Settings = z.infer<typeof settingsFile>;

/** Parses and validates grafana/environments.yaml text; errors name the file and the field. */
export function parseSettings(text: string, source: string = SOURCE.settings): Settings {
  const result = settingsFile.safeParse(parse(text));
  if (!result.success) {
    const issues = result.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new Error(`${source} is invalid — fix these fields:\n${issues.join('\n')}`);
  }
  for (const name of KUBERNETES_ENVIRONMENTS) {
    for (const block of ['workloads', 'backends'] as const) {
      if (!result.data.environments[name][block]) {
        throw new Error(`${source}: environments.${name} runs in Kubernetes and needs a ${block} block`);
      }
    }
  }
  for (const [name, env] of Object.entries(result.data.environments)) {
    if (name === 'development' && env.backends) {
      throw new Error(
        `${source}: environments.development runs Loki and Tempo as compose does; remove its backends block`,
      );
    }
    if (name !== 'test' && (env.alertFor || env.rangeWindows)) {
      throw new Error(
        `${source}: environments.${name} sets alertFor/rangeWindows — only the short-interval test ` +
          'environment may compress time; deployed environments run the rules as written',
      );
    }
  }
  return result.data;
}

export function loadSettings(root: string): Settings {
  const file = path.join(root, SOURCE.settings);
  return parseSettings(readFileSync(file, 'utf8'), file);
}

/** The threshold an alert uses in an environment, or undefined when the alert has no declared delta. */
export function thresholdFor(settings: Settings, alert: string, env: EnvironmentName): number | undefined {
  const delta = settings.thresholds.find((t) => t.alert === alert);
  if (!delta) return undefined;
  return env === 'test' ? delta.default : (delta.environments[env] ?? delta.default);
}

/**
 * Threshold deltas naming no alert of grafana/alerts: a misspelt name would change nothing and leave
 * every environment at the written threshold, silently. One line per delta, with the likeliest alert.
 */
export function unknownThresholdAlerts(settings: Settings, alerts: Iterable<string>): string[] {
  const known = [...new Set(alerts)];
  return settings.thresholds
    .filter((delta) => !known.includes(delta.alert))
    .map((delta) => {
      const likeliest = [...known].sort(
        (a, b) => editDistance(a, delta.alert) - editDistance(b, delta.alert),
      )[0];
      return (
        `thresholds in ${SOURCE.settings}: ${delta.alert} is no alert of ${SOURCE.alerts}` +
        `${likeliest ? ` (did you mean ${likeliest}?)` : ''} — the delta would change nothing`
      );
    });
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        (previous[j] ?? 0) + 1,
        (current[j - 1] ?? 0) + 1,
        (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
