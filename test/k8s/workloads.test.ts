// The rendered overlays, checked as an admission controller and a reviewer would: every object valid
// against its schema (kubernetes-models: core types and prometheus-operator CRDs), every container
// hardened for Pod Security "restricted", every Service backed by a workload, every object in the
// namespace, and the NetworkPolicies allowing exactly the service graph of the catalogue.
import { REPO_ROOT } from '@telemetry-kit/observability-config/paths';
import { loadServiceCatalogue } from '@telemetry-kit/observability-config/services';
import type { DeployedEnvironment } from '@telemetry-kit/observability-config/settings';
import { KUBERNETES_ENVIRONMENTS, loadSettings } from '@telemetry-kit/observability-config/settings';
import { renderFlags } from '@telemetry-kit/observability-config/targets/flags';
import { describe, expect, it } from 'vitest';
import type { K8sObject } from './rendered.ts';
import { modelFor, podTemplate, rendered, SERVING_KINDS } from './rendered.ts';

const settings = loadSettings(REPO_ROOT);
const catalogue = loadServiceCatalogue(REPO_ROOT);
const CLUSTER_SCOPED = new Set(['Namespace']);

const labelsMatch = (
  selector: Record<string, string> | undefined,
  labels: Record<string, string> | undefined,
) => Object.entries(selector ?? {}).every(([k, v]) => labels?.[k] === v);

describe.each(KUBERNETES_ENVIRONMENTS)('k8s/overlays/%s', (env) => {
  const objects = rendered(env);
  const workloads = objects.filter((o) => podTemplate(o));
  const running = catalogue.filter((s) => s.environments.includes(env));

  it('validates every object against its schema', async () => {
    for (const object of objects) {
      const Model = await modelFor(object);
      expect(() => new Model(object).validate(), `${object.kind} ${object.metadata.name}`).not.toThrow();
    }
  });

  it('runs every service the catalogue runs here, and no other', () => {
    const deployments = objects.filter((o) => SERVING_KINDS.has(o.kind)).map((o) => o.metadata.name);
    expect(deployments.sort()).toEqual(running.map((s) => s.name).sort());
  });

  it('puts every namespaced object in the namespace, which enforces Pod Security "restricted"', () => {
    for (const o of objects.filter((x) => !CLUSTER_SCOPED.has(x.kind))) {
      expect(o.metadata.namespace, `${o.kind} ${o.metadata.name}`).toBe(settings.kubernetes.namespace);
    }
    const namespace = objects.find((o) => o.kind === 'Namespace');
    expect(namespace?.metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });

  it.each(['Deployment', 'Rollout', 'Job'])(
    'hardens every %s container: non-root, read-only root, no capabilities',
    (kind) => {
      for (const workload of workloads.filter((o) => o.kind === kind)) {
        const template = podTemplate(workload);
        const pod = template?.spec.securityContext as {
          runAsNonRoot?: boolean;
          seccompProfile?: { type: string };
        };
        expect(pod?.runAsNonRoot, workload.metadata.name).toBe(true);
        expect(pod?.seccompProfile?.type, workload.metadata.name).toBe('RuntimeDefault');
        const spec = template?.spec as { automountServiceAccountToken?: boolean } | undefined;
        expect(spec?.automountServiceAccountToken, workload.metadata.name).toBe(false);
        for (const container of template?.spec.containers ?? []) {
          const where = `${workload.metadata.name}/${container.name}`;
          const security = container.securityContext as {
            readOnlyRootFilesystem?: boolean;
            allowPrivilegeEscalation?: boolean;
            capabilities?: { drop?: string[] };
          };
          expect(security?.readOnlyRootFilesystem, where).toBe(true);
          expect(security?.allowPrivilegeEscalation, where).toBe(false);
          expect(security?.capabilities?.drop, where).toEqual(['ALL']);
          const { limits, requests } = container.resources as {
            limits?: Record<string, string>;
            requests?: Record<string, string>;
          };
          expect(Object.keys(limits ?? {}).sort(), where).toEqual(['cpu', 'memory']);
          expect(Object.keys(requests ?? {}).sort(), where).toEqual(['cpu', 'memory']);
          // A tag that names a build: never the local :dev, never latest, never none.
          expect(container.image, where).toMatch(/^[^:]+\/[^:]+:(?!dev$|latest$)[\w.-]+$/);
          const mounts = (container.volumeMounts as Array<{ mountPath: string }>) ?? [];
          expect(
            mounts.map((m) => m.mountPath),
            `${where}: a writable /tmp on a read-only root`,
          ).toContain('/tmp');
        }
      }
    },
  );

  it('probes every service container: startup, readiness on /readyz, liveness on /healthz', () => {
    for (const deployment of workloads.filter((o) => SERVING_KINDS.has(o.kind))) {
      for (const container of podTemplate(deployment)?.spec.containers ?? []) {
        const path = (probe: string) =>
          (container[probe] as { httpGet?: { path: string } } | undefined)?.httpGet?.path;
        expect(path('startupProbe'), deployment.metadata.name).toBeDefined();
        expect(path('readinessProbe'), deployment.metadata.name).toBe('/readyz');
        expect(path('livenessProbe'), deployment.metadata.name).toBe('/healthz');
      }
    }
  });

  it('backs every Service with a workload, on a port named http', () => {
    for (const service of objects.filter((o) => o.kind === 'Service')) {
      const spec = service.spec as { selector: Record<string, string>; ports: Array<{ name: string }> };
      const backed = workloads.filter(
        (w) => SERVING_KINDS.has(w.kind) && labelsMatch(spec.selector, podTemplate(w)?.metadata?.labels),
      );
      // A blue-green preview Service selects its Rollout's pods, as the active one does.
      const owner = service.metadata.name.replace(/-preview$/, '');
      expect(
        backed.map((w) => w.metadata.name),
        service.metadata.name,
      ).toEqual([owner]);
      expect(spec.ports.map((p) => p.name)).toEqual(['http']);
    }
  });

  it('runs blue-green and canary services as Rollouts named in the catalogue, with their Services', () => {
    for (const service of running) {
      const workload = workloads.find((w) => SERVING_KINDS.has(w.kind) && w.metadata.name === service.name);
      expect(workload?.kind, service.name).toBe(service.rollout ? 'Rollout' : 'Deployment');
      const strategy = (workload?.spec as { strategy?: Record<string, Record<string, unknown>> } | undefined)
        ?.strategy;
      if (service.rollout === 'blue-green') {
        expect(strategy?.blueGreen).toMatchObject({
          activeService: service.name,
          previewService: `${service.name}-preview`,
          autoPromotionEnabled: settings.environments[env].workloads?.autoPromotion,
          scaleDownDelaySeconds: settings.kubernetes.rollouts.scaleDownDelaySeconds,
        });
        expect(
          objects.some((o) => o.kind === 'Service' && o.metadata.name === `${service.name}-preview`),
        ).toBe(true);
      }
      if (service.rollout === 'canary') {
        const weights = ((strategy?.canary?.steps ?? []) as Array<{ setWeight?: number }>).flatMap((s) =>
          s.setWeight === undefined ? [] : [s.setWeight],
        );
        expect(weights).toEqual(settings.kubernetes.rollouts.canarySteps);
        expect(strategy?.canary?.analysis).toMatchObject({
          templates: [{ templateName: 'telemetry-kit-canary' }],
        });
      }
      // An autoscaler scales what runs the pods.
      const hpa = objects.find(
        (o) => o.kind === 'HorizontalPodAutoscaler' && o.metadata.name === service.name,
      );
      if (hpa)
        expect((hpa.spec as { scaleTargetRef: { kind: string } }).scaleTargetRef.kind).toBe(workload?.kind);
    }
  });

  it('mounts the environment’s feature flags into every service, where FLAGS_FILE points', () => {
    const flags = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'telemetry-kit-flags');
    expect(flags?.data?.['flags.json']).toBe(renderFlags(REPO_ROOT, settings, env));
    for (const workload of workloads.filter((o) => SERVING_KINDS.has(o.kind))) {
      const template = podTemplate(workload) as unknown as {
        spec: {
          volumes: Array<{ name: string; configMap?: { name: string } }>;
          containers: Array<{ volumeMounts: Array<{ name: string; mountPath: string; subPath?: string }> }>;
        };
      };
      const volume = template.spec.volumes.find((v) => v.configMap?.name === 'telemetry-kit-flags');
      const mount = template.spec.containers[0]?.volumeMounts.find((m) => m.name === volume?.name);
      // No subPath: only a directory mount sees the kubelet's updates of the ConfigMap.
      expect(mount?.subPath, workload.metadata.name).toBeUndefined();
      const env = objects.find(
        (o) => o.kind === 'ConfigMap' && o.metadata.name === `${workload.metadata.name}-env`,
      );
      expect(env?.data?.FLAGS_FILE, workload.metadata.name).toBe(`${mount?.mountPath}/flags.json`);
    }
  });

  it('gives each service its own ServiceAccount, with no token mounted', () => {
    for (const service of running) {
      const account = objects.find((o) => o.kind === 'ServiceAccount' && o.metadata.name === service.name);
      expect(account?.automountServiceAccountToken, service.name).toBe(false);
    }
  });

  it('runs a migration Job for every service that owns a schema, with the migrate CLI’s up', () => {
    const jobs = objects.filter((o) => o.kind === 'Job');
    expect(jobs.map((j) => j.metadata.name).sort()).toEqual(
      running
        .filter((s) => s.migrate)
        .map((s) => `${s.name}-migrate`)
        .sort(),
    );
    for (const job of jobs) {
      const [container] = podTemplate(job)?.spec.containers ?? [];
      expect(container?.command, job.metadata.name).toEqual(expect.arrayContaining(['up']));
    }
  });

  it('allows exactly the edges of the service graph between the services, and nothing more', () => {
    expect(allowedEdges(objects, env).sort()).toEqual(expectedEdges(env).sort());
  });

  it('denies by default, and opens nothing to everyone except declared external callees', () => {
    const policies = objects.filter((o) => o.kind === 'NetworkPolicy');
    expect(policies.find((p) => p.metadata.name === 'default-deny')?.spec).toEqual({
      podSelector: {},
      policyTypes: ['Ingress', 'Egress'],
    });
    const external = settings.environments[env].workloads?.external ?? {};
    for (const policy of policies) {
      const spec = policy.spec as {
        ingress?: Array<{ from?: unknown[] }>;
        egress?: Array<{ to?: unknown[] }>;
      };
      for (const rule of spec.ingress ?? [])
        expect(rule.from?.length, `${policy.metadata.name} ingress`).toBeGreaterThan(0);
      for (const rule of spec.egress ?? []) {
        if (rule.to !== undefined) continue;
        // An egress rule to anywhere: only for a callee this environment reaches outside the cluster.
        const callee = /^[a-z-]+-to-(.+)$/.exec(policy.metadata.name)?.[1] ?? '';
        expect(Object.keys(external), `${policy.metadata.name} opens egress to anywhere`).toContain(callee);
      }
    }
  });
});

/** caller→callee pairs among the services that the catalogue says talk, in this environment. */
function expectedEdges(env: DeployedEnvironment): string[] {
  const running = catalogue.filter((s) => s.environments.includes(env));
  return running.flatMap((caller) =>
    Object.keys(caller.calls)
      .filter((callee) => running.some((s) => s.name === callee))
      .map((callee) => `${caller.name}→${callee}`),
  );
}

interface PolicySpec {
  podSelector: { matchLabels?: Record<string, string> };
  ingress?: Array<{
    from?: Array<{ podSelector?: { matchLabels?: Record<string, string> }; namespaceSelector?: unknown }>;
    ports?: Array<{ port: string | number }>;
  }>;
  egress?: Array<{
    to?: Array<{
      podSelector?: { matchLabels?: Record<string, string> };
      namespaceSelector?: unknown;
      ipBlock?: unknown;
    }>;
    ports?: Array<{ port: string | number }>;
  }>;
}

/** caller→callee pairs the NetworkPolicies let through: an egress of the caller and an ingress of the callee. */
function allowedEdges(objects: K8sObject[], env: DeployedEnvironment): string[] {
  const running = catalogue.filter((s) => s.environments.includes(env));
  const pods = new Map(
    objects
      .filter((o) => SERVING_KINDS.has(o.kind))
      .map((o) => [o.metadata.name, podTemplate(o)?.metadata?.labels ?? {}] as const),
  );
  const policies = objects
    .filter((o) => o.kind === 'NetworkPolicy')
    .map((o) => o.spec as unknown as PolicySpec);
  const selecting = (labels: Record<string, string>) =>
    policies.filter((p) => labelsMatch(p.podSelector.matchLabels, labels));
  const samePod = (
    peer: { podSelector?: { matchLabels?: Record<string, string> }; namespaceSelector?: unknown },
    labels: Record<string, string>,
  ) =>
    peer.namespaceSelector === undefined &&
    peer.podSelector !== undefined &&
    labelsMatch(peer.podSelector.matchLabels, labels);
  const portOk = (ports: Array<{ port: string | number }> | undefined, port: number) =>
    !ports || ports.some((p) => p.port === port || p.port === 'http');
  const edges: string[] = [];
  for (const caller of running) {
    for (const callee of running) {
      if (caller === callee) continue;
      const from = pods.get(caller.name) ?? {};
      const to = pods.get(callee.name) ?? {};
      const out = selecting(from).some((p) =>
        (p.egress ?? []).some(
          (rule) => (rule.to ?? []).some((peer) => samePod(peer, to)) && portOk(rule.ports, callee.port),
        ),
      );
      const into = selecting(to).some((p) =>
        (p.ingress ?? []).some(
          (rule) => (rule.from ?? []).some((peer) => samePod(peer, from)) && portOk(rule.ports, callee.port),
        ),
      );
      if (out && into) edges.push(`${caller.name}→${callee.name}`);
    }
  }
  return edges;
}

describe('requests from measured figures', () => {
  it('asks at least the idle memory npm run bench -- dev measured for each service', async () => {
    const { readFileSync } = await import('node:fs');
    const path = await import('node:path');
    const bench = JSON.parse(readFileSync(path.join(REPO_ROOT, 'docs/benchmarks.json'), 'utf8')) as {
      dev?: { figures: Record<string, number | string> };
    };
    const mebibytes = (quantity: string) => Number(/^(\d+)Mi$/.exec(quantity)?.[1]);
    let measured = 0;
    for (const service of catalogue) {
      const idle = bench.dev?.figures[`idle_memory_mib_${service.name}`];
      if (typeof idle !== 'number') continue;
      measured += 1;
      expect(mebibytes(service.memoryRequest), `${service.name}: idle ${idle} MiB`).toBeGreaterThanOrEqual(
        idle,
      );
      expect(mebibytes(service.memoryLimit), service.name).toBeGreaterThan(mebibytes(service.memoryRequest));
    }
    expect(measured, 'docs/benchmarks.json has the dev section').toBe(catalogue.length);
  });
});
