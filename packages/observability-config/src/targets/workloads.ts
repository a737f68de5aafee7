// The reference services as Kubernetes workloads, generated from the service catalogue (compose's
// services and their x-kit blocks) and the settings: a restricted namespace, per service a
// ServiceAccount, a ConfigMap of its environment, a Deployment, a Service (port `http`), a
// NetworkPolicy allowing exactly its edges of the service graph, and a migration Job where it owns a
// schema. Per environment: high availability (replicas, disruption budget, autoscaling), the public
// Ingress and the services an environment reaches outside the cluster.
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import type { RuleFile } from '../rules.ts';
import type { CatalogueService, DatabaseFacts } from '../services.ts';
import type { DeployedEnvironment, Settings, WorkloadSettings } from '../settings.ts';
import { KUBERNETES_ENVIRONMENTS } from '../settings.ts';
import { FARO_PATH } from './alloy-values.ts';
import { databaseEgress, databaseObjects, databaseSecret } from './database.ts';
import {
  analysisTemplates,
  previewService,
  rolloutOf,
  SMOKE,
  smokeObjects,
  workloadKind,
} from './rollouts.ts';

type Model = { toJSON(): unknown };
/** A plain object where no kubernetes-models class exists (Argo Rollouts' kinds). */
const plain = (object: unknown): Model => ({ toJSON: () => object });
const NAME = 'app.kubernetes.io/name';
const COMPONENT = 'app.kubernetes.io/component';
/** The feature flags of the environment (targets/flags.ts), mounted into every service; edits reload live. */
export const FLAGS_CONFIG_MAP = 'telemetry-kit-flags';
const FLAGS_DIR = '/etc/telemetry-kit/flags';
export const FLAGS_KEY = 'flags.json';

/** The flags ConfigMap of an environment, holding its rendered flag file. */
export function flagsConfigMap(flags: string): Model {
  return new ConfigMap({ metadata: { name: FLAGS_CONFIG_MAP }, data: { [FLAGS_KEY]: flags } });
}

/** The ConfigMap the overlays generate with what differs per environment (DEPLOYMENT_ENVIRONMENT). */
export const ENVIRONMENT_CONFIG_MAP = 'telemetry-environment';
/** `node` in the service images (services/Dockerfile: USER 1000). */
export const RESTRICTED_USER = 1000;

/** The image a service runs, before the overlay's `images` set its registry and tag. */
export const imageName = (service: string) => `telemetry-kit/${service}`;

const runsIn = (service: CatalogueService, env: DeployedEnvironment) => service.environments.includes(env);

/** Services that run in every Kubernetes environment go in the base; the others in a component each. */
export function placement(service: CatalogueService): 'base' | DeployedEnvironment[] {
  const envs = KUBERNETES_ENVIRONMENTS.filter((env) => runsIn(service, env));
  return envs.length === KUBERNETES_ENVIRONMENTS.length ? 'base' : envs;
}

function podSecurity() {
  return {
    pod: {
      runAsNonRoot: true,
      runAsUser: RESTRICTED_USER,
      runAsGroup: RESTRICTED_USER,
      fsGroup: RESTRICTED_USER,
      seccompProfile: { type: 'RuntimeDefault' as const },
    },
    container: {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    },
  };
}

/** The service's environment in a cluster: compose's, with the cluster's collector and addresses. */
function environment(service: CatalogueService, catalogue: CatalogueService[], settings: Settings) {
  const data: Record<string, string> = {
    PORT: String(service.port),
    NODE_ENV: 'production',
    LOG_LEVEL: 'info',
    OTEL_SERVICE_NAME: service.name,
    OTEL_EXPORTER_OTLP_ENDPOINT: settings.kubernetes.collector.otlpEndpoint,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
    OTEL_TRACES_SAMPLER: 'parentbased_always_on',
    // A directory mount (no subPath), so the kubelet's update of the ConfigMap reaches the running pod.
    FLAGS_FILE: `${FLAGS_DIR}/${FLAGS_KEY}`,
  };
  for (const [callee, variable] of Object.entries(service.calls)) {
    // Services by name: Kubernetes DNS resolves them in the namespace as compose's network does.
    if (catalogue.some((s) => s.name === callee)) data[variable] = service.addresses[callee] ?? '';
  }
  if (service.data) data.RITUALS_DATA_DIR = service.data;
  return data;
}

function secretEnv(service: CatalogueService, settings: Settings) {
  return Object.entries(service.calls)
    .filter(([callee]) => callee === 'postgres')
    .map(([, variable]) => ({
      name: variable,
      valueFrom: {
        secretKeyRef: databaseSecret(settings),
      },
    }));
}

function podSpec(service: CatalogueService, settings: Settings, command?: string[]) {
  const security = podSecurity();
  const probe = (path: string, extra: Record<string, number>) => ({
    httpGet: { path, port: 'http' },
    ...extra,
  });
  return {
    serviceAccountName: service.name,
    automountServiceAccountToken: false,
    securityContext: security.pod,
    ...(command ? { restartPolicy: 'Never' as const } : {}),
    containers: [
      {
        name: service.name,
        image: imageName(service.name),
        ...(command ? { command } : {}),
        ports: command ? [] : [{ name: 'http', containerPort: service.port }],
        envFrom: [
          { configMapRef: { name: `${service.name}-env` } },
          { configMapRef: { name: ENVIRONMENT_CONFIG_MAP } },
        ],
        env: secretEnv(service, settings),
        resources: {
          requests: { cpu: service.cpuRequest, memory: service.memoryRequest },
          limits: { cpu: service.cpuLimit, memory: service.memoryLimit },
        },
        ...(command
          ? {}
          : {
              // Startup gives a cold start 60 s; after it, readiness gates traffic and liveness restarts.
              startupProbe: probe('/healthz', { periodSeconds: 2, failureThreshold: 30 }),
              readinessProbe: probe(service.readinessPath, { periodSeconds: 5, failureThreshold: 3 }),
              livenessProbe: probe('/healthz', { periodSeconds: 10, failureThreshold: 3 }),
            }),
        securityContext: security.container,
        volumeMounts: [
          { name: 'tmp', mountPath: '/tmp' },
          ...(service.data && !command ? [{ name: 'data', mountPath: service.data }] : []),
          ...(command ? [] : [{ name: 'flags', mountPath: FLAGS_DIR, readOnly: true }]),
        ],
      },
    ],
    volumes: [
      { name: 'tmp', emptyDir: {} },
      ...(service.data && !command ? [{ name: 'data', emptyDir: {} }] : []),
      ...(command ? [] : [{ name: 'flags', configMap: { name: FLAGS_CONFIG_MAP } }]),
    ],
  };
}

function labels(service: string, component = 'service') {
  return { [NAME]: service, [COMPONENT]: component };
}

/** A pod's labels: its selector's, and the part-of label the PodMonitor scrapes by. */
const podLabels = (service: string, component = 'service') => ({
  ...labels(service, component),
  'app.kubernetes.io/part-of': 'telemetry-kit',
});

/** An egress or ingress peer: pods of this namespace by name, or another namespace's by labels. */
const inNamespace = (service: string) => ({ podSelector: { matchLabels: { [NAME]: service } } });
const elsewhere = (peer: { namespace: string; podLabels: Record<string, string> }) => ({
  namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': peer.namespace } },
  podSelector: { matchLabels: peer.podLabels },
});

function networkPolicy(service: CatalogueService, catalogue: CatalogueService[], settings: Settings) {
  const http = [{ port: 'http', protocol: 'TCP' as const }];
  const callers = catalogue.filter((s) => service.name in s.calls).map((s) => s.name);
  const callees = Object.keys(service.calls).filter((c) => catalogue.some((s) => s.name === c));
  const { prometheus, ingress } = settings.kubernetes;
  return new NetworkPolicy({
    metadata: { name: service.name, labels: labels(service.name) },
    spec: {
      podSelector: { matchLabels: { [NAME]: service.name, [COMPONENT]: 'service' } },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [
        ...(callers.length > 0 ? [{ from: callers.map(inNamespace), ports: http }] : []),
        { from: [elsewhere(prometheus)], ports: http },
        ...(service.public ? [{ from: [elsewhere(ingress)], ports: http }] : []),
        // A preview's pre-promotion analysis: the controller's readiness check and the smoke journey's Job.
        ...(service.rollout === 'blue-green'
          ? [{ from: [elsewhere(settings.kubernetes.rollouts.controller), inNamespace(SMOKE)], ports: http }]
          : []),
      ],
      egress: [
        ...callees.map((callee) => ({
          to: [inNamespace(callee)],
          ports: [{ port: catalogue.find((s) => s.name === callee)?.port ?? 0, protocol: 'TCP' as const }],
        })),
        ...(secretEnv(service, settings).length > 0 ? [databaseEgress(settings)] : []),
      ],
    },
  });
}

/** The service's Deployment, or its Rollout when it names a strategy (x-kit `rollout`). */
function workload(
  service: CatalogueService,
  spec: ConstructorParameters<typeof Deployment>[0] & object,
  settings: Settings,
): Model {
  const deployment = new Deployment(spec);
  if (!service.rollout) return deployment;
  return plain(rolloutOf(deployment.toJSON() as Parameters<typeof rolloutOf>[0], service, settings));
}

/** Its Service, and a blue-green rollout's preview Service beside it. */
function services(service: CatalogueService): Model[] {
  const active = new Service({
    metadata: { name: service.name, labels: labels(service.name) },
    spec: {
      selector: labels(service.name),
      ports: [{ name: 'http', port: service.port, targetPort: 'http', protocol: 'TCP' }],
    },
  });
  if (service.rollout !== 'blue-green') return [active];
  return [
    active,
    plain(previewService(active.toJSON() as Parameters<typeof previewService>[0], service.name)),
  ];
}

/** One service's objects, in apply order. */
function serviceObjects(
  service: CatalogueService,
  catalogue: CatalogueService[],
  settings: Settings,
): Model[] {
  const objects: Model[] = [
    new ServiceAccount({
      metadata: { name: service.name, labels: labels(service.name) },
      automountServiceAccountToken: false,
    }),
    new ConfigMap({
      metadata: { name: `${service.name}-env`, labels: labels(service.name) },
      data: environment(service, catalogue, settings),
    }),
    workload(
      service,
      {
        metadata: { name: service.name, labels: labels(service.name) },
        spec: {
          replicas: 1,
          selector: { matchLabels: labels(service.name) },
          template: {
            metadata: { labels: podLabels(service.name) },
            spec: {
              ...podSpec(service, settings),
              // Replicas on different nodes when there are several (production), never blocking one.
              topologySpreadConstraints: [
                {
                  maxSkew: 1,
                  topologyKey: 'kubernetes.io/hostname',
                  whenUnsatisfiable: 'ScheduleAnyway',
                  labelSelector: { matchLabels: labels(service.name) },
                },
              ],
            },
          },
        },
      },
      settings,
    ),
    ...services(service),
    networkPolicy(service, catalogue, settings),
  ];
  if (service.migrate) {
    const name = `${service.name}-migrate`;
    objects.push(
      new Job({
        metadata: { name, labels: labels(service.name, 'migration') },
        spec: {
          backoffLimit: 2,
          activeDeadlineSeconds: 600,
          template: {
            metadata: { labels: podLabels(service.name, 'migration') },
            spec: podSpec(service, settings, service.migrate),
          },
        },
      }),
      new NetworkPolicy({
        metadata: { name, labels: labels(service.name, 'migration') },
        spec: {
          podSelector: { matchLabels: labels(service.name, 'migration') },
          policyTypes: ['Ingress', 'Egress'],
          ingress: [],
          egress: [databaseEgress(settings)],
        },
      }),
    );
  }
  return objects;
}

/** The namespace (Pod Security restricted) and the policies every pod shares: deny by default, DNS, OTLP. */
function namespaceObjects(settings: Settings): Model[] {
  const { namespace, collector } = settings.kubernetes;
  return [
    new Namespace({
      metadata: {
        name: namespace,
        labels: {
          'pod-security.kubernetes.io/enforce': 'restricted',
          'pod-security.kubernetes.io/audit': 'restricted',
          'pod-security.kubernetes.io/warn': 'restricted',
        },
      },
    }),
    new NetworkPolicy({
      metadata: { name: 'default-deny' },
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
    }),
    new NetworkPolicy({
      metadata: { name: 'dns-and-telemetry' },
      spec: {
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [
          {
            to: [
              {
                namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
                podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
              },
            ],
            ports: [
              { port: 53, protocol: 'UDP' },
              { port: 53, protocol: 'TCP' },
            ],
          },
          { to: [elsewhere(collector)], ports: [{ port: collector.port, protocol: 'TCP' }] },
        ],
      },
    }),
  ];
}

export interface WorkloadFiles {
  /** base/workloads/<file> → objects; components/<service>/… for services only some environments run. */
  base: Map<string, Model[]>;
  components: Map<string, Model[]>;
  /** Per environment: the overlay's own objects and patches. */
  overlays: Map<
    DeployedEnvironment,
    {
      objects: Model[];
      patches: Array<{ target: Record<string, string>; patch: unknown[] }>;
      components: string[];
    }
  >;
}

/** What the rollouts need beside the catalogue: the rules their gates come from, the smoke journey. */
export interface RolloutSources {
  ruleFiles: RuleFile[];
  smokeScript: string;
  nodeImage: string;
}

export function renderWorkloads(
  catalogue: CatalogueService[],
  settings: Settings,
  database: DatabaseFacts,
  rollouts: RolloutSources,
): WorkloadFiles {
  const base = new Map<string, Model[]>([['namespace.yaml', namespaceObjects(settings)]]);
  const progressive = catalogue.some((s) => s.rollout);
  if (catalogue.some((s) => s.rollout === 'blue-green')) {
    base.set('smoke.yaml', smokeObjects(rollouts.smokeScript, catalogue).map(plain));
  }
  const components = new Map<string, Model[]>();
  for (const service of catalogue) {
    const where = placement(service);
    if (where === 'base') base.set(`${service.name}.yaml`, serviceObjects(service, catalogue, settings));
    else if (where.length > 0) components.set(service.name, serviceObjects(service, catalogue, settings));
  }
  const overlays: WorkloadFiles['overlays'] = new Map();
  for (const env of KUBERNETES_ENVIRONMENTS) {
    const workloads = settings.environments[env].workloads as WorkloadSettings;
    const running = catalogue.filter((s) => runsIn(s, env));
    const objects: Model[] = databaseObjects(env, settings, catalogue, database);
    // The gates as this environment runs its alerts (scope, threshold deltas).
    if (progressive) {
      objects.push(...analysisTemplates(rollouts.ruleFiles, settings, env, rollouts.nodeImage).map(plain));
    }
    const patches: Array<{ target: Record<string, string>; patch: unknown[] }> = [];
    for (const service of running) {
      const { apiVersion: _apiVersion, ...kind } = workloadKind(service);
      const target = { ...kind, name: service.name };
      if (service.rollout === 'blue-green') {
        patches.push({
          target,
          patch: [
            {
              op: 'replace',
              path: '/spec/strategy/blueGreen/autoPromotionEnabled',
              value: workloads.autoPromotion,
            },
          ],
        });
      }
      if (workloads.replicas !== 1) {
        patches.push({
          target,
          patch: [{ op: 'replace', path: '/spec/replicas', value: workloads.replicas }],
        });
      }
      if (workloads.replicas > 1) {
        objects.push(
          new PodDisruptionBudget({
            metadata: { name: service.name, labels: labels(service.name) },
            spec: { minAvailable: workloads.replicas - 1, selector: { matchLabels: labels(service.name) } },
          }),
        );
      }
      // Data the replicas share (rituals' audio): one ReadWriteMany volume instead of a disk each.
      if (service.data && workloads.replicas > 1) {
        if (!workloads.sharedStorageClass) {
          throw new Error(
            `${env}: ${service.name} keeps data in ${service.data} and runs ${workloads.replicas} replicas — ` +
              'declare workloads.sharedStorageClass (a ReadWriteMany class) in grafana/environments.yaml',
          );
        }
        objects.push(
          new PersistentVolumeClaim({
            metadata: { name: `${service.name}-data`, labels: labels(service.name) },
            spec: {
              accessModes: ['ReadWriteMany'],
              storageClassName: workloads.sharedStorageClass,
              resources: { requests: { storage: workloads.sharedStorageSize } },
            },
          }),
        );
        patches.push({
          target,
          patch: [
            {
              op: 'replace',
              path: '/spec/template/spec/volumes/1',
              value: { name: 'data', persistentVolumeClaim: { claimName: `${service.name}-data` } },
            },
          ],
        });
      }
      if (workloads.autoscale) {
        objects.push(
          new HorizontalPodAutoscaler({
            metadata: { name: service.name, labels: labels(service.name) },
            spec: {
              scaleTargetRef: {
                apiVersion: workloadKind(service).apiVersion,
                kind: kind.kind,
                name: service.name,
              },
              minReplicas: workloads.replicas,
              maxReplicas: workloads.autoscale.max,
              metrics: [
                {
                  type: 'Resource',
                  resource: {
                    name: 'cpu',
                    target: { type: 'Utilization', averageUtilization: workloads.autoscale.cpuUtilization },
                  },
                },
              ],
            },
          }),
        );
      }
      // Callees this environment reaches outside the cluster (production's hosted model).
      for (const [callee, variable] of Object.entries(service.calls)) {
        const external = workloads.external[callee];
        if (!external || runsIn(catalogue.find((s) => s.name === callee) ?? service, env)) continue;
        patches.push({
          target: { version: 'v1', kind: 'ConfigMap', name: `${service.name}-env` },
          patch: [{ op: 'replace', path: `/data/${variable}`, value: external.url }],
        });
        if (external.secret) {
          patches.push({
            target,
            patch: [
              {
                op: 'add',
                path: '/spec/template/spec/containers/0/env/-',
                value: {
                  name: external.secret.variable,
                  valueFrom: { secretKeyRef: { name: external.secret.name, key: external.secret.key } },
                },
              },
            ],
          });
        }
        const url = new URL(external.url);
        objects.push(
          new NetworkPolicy({
            metadata: { name: `${service.name}-to-${callee}`, labels: labels(service.name) },
            spec: {
              podSelector: { matchLabels: labels(service.name) },
              policyTypes: ['Egress'],
              egress: [
                {
                  ports: [
                    { port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)), protocol: 'TCP' },
                  ],
                },
              ],
            },
          }),
        );
      }
    }
    // The browser reaches the collector's Faro receiver on the public host (the Alloy chart's Ingress).
    for (const service of running.filter((s) => s.browserCollector)) {
      patches.push({
        target: { version: 'v1', kind: 'ConfigMap', name: `${service.name}-env` },
        patch: [
          {
            op: 'add',
            path: `/data/${service.browserCollector}`,
            value: `https://${workloads.host}${FARO_PATH}`,
          },
        ],
      });
    }
    const publicServices = running.filter((s) => s.public);
    objects.push(
      new Ingress({
        metadata: { name: 'telemetry-kit' },
        spec: {
          ingressClassName: settings.kubernetes.ingress.className,
          tls: [{ hosts: [workloads.host], secretName: workloads.tlsSecret }],
          rules: [
            {
              host: workloads.host,
              http: {
                paths: publicServices.map((s) => ({
                  path: s.public ?? '/',
                  pathType: 'Prefix' as const,
                  backend: { service: { name: s.name, port: { name: 'http' } } },
                })),
              },
            },
          ],
        },
      }),
    );
    overlays.set(env, {
      objects,
      patches,
      components: [...components.keys()].filter((name) =>
        runsIn(catalogue.find((s) => s.name === name) as CatalogueService, env),
      ),
    });
  }
  return { base, components, overlays };
}
