import { buildOverlay } from '@telemetry-kit/observability-config/parity';
import { REPO_ROOT } from '@telemetry-kit/observability-config/paths';
import type { DeployedEnvironment } from '@telemetry-kit/observability-config/settings';
import { loadSettings } from '@telemetry-kit/observability-config/settings';
import { crdValidators } from './crds.ts';

/** A rendered Kubernetes object, loosely typed: the tests read what they check. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
  [key: string]: unknown;
}

const cache = new Map<DeployedEnvironment, K8sObject[]>();

/** `kubectl kustomize k8s/overlays/<env>`, built once per test file. */
export function rendered(env: DeployedEnvironment): K8sObject[] {
  let objects = cache.get(env);
  if (!objects) {
    objects = buildOverlay(REPO_ROOT, env) as K8sObject[];
    cache.set(env, objects);
  }
  return objects;
}

/** The model class kubernetes-models (or its prometheus-operator package) ships for an object. */
export async function modelFor(object: K8sObject): Promise<new (data: unknown) => { validate(): void }> {
  const [group, version] = object.apiVersion.includes('/')
    ? object.apiVersion.split('/')
    : ['', object.apiVersion];
  if (group === 'argoproj.io') return argoRolloutsModel(object.kind);
  const module =
    group === 'monitoring.coreos.com'
      ? `@kubernetes-models/prometheus-operator/${group}/${version}/${object.kind}`
      : `kubernetes-models/${group ? `${group}/` : ''}${version}/${object.kind}`;
  const loaded = (await import(module)) as Record<string, new (data: unknown) => { validate(): void }>;
  const model = loaded[object.kind];
  if (!model) throw new Error(`${module} exports no ${object.kind}`);
  return model;
}

export interface PodTemplate {
  metadata?: { labels?: Record<string, string> };
  spec: {
    securityContext?: Record<string, unknown>;
    containers: Array<Record<string, unknown> & { name: string; image: string }>;
  };
}

/** The kinds that run the services' pods: a Deployment, or an Argo Rollout (x-kit `rollout`). */
export const SERVING_KINDS = new Set(['Deployment', 'Rollout']);

/** The pod template of a workload (Deployment, Rollout or Job), or undefined for other kinds. */
export function podTemplate(object: K8sObject): PodTemplate | undefined {
  if (!SERVING_KINDS.has(object.kind) && object.kind !== 'Job') return undefined;
  return (object.spec as { template: PodTemplate }).template;
}

let rolloutValidators: ReturnType<typeof crdValidators> | undefined;

/** Argo Rollouts' kinds have no models package: their upstream CRDs, at the version the settings name. */
function argoRolloutsModel(kind: string): new (data: unknown) => { validate(): void } {
  rolloutValidators ??= crdValidators([
    `argo-rollouts-${loadSettings(REPO_ROOT).kubernetes.rollouts.version}`,
  ]);
  const validator = rolloutValidators.get(`argoproj.io/v1alpha1/${kind}`);
  if (!validator) throw new Error(`no argo-rollouts CRD for ${kind} in test/k8s/crds/`);
  return class {
    readonly #data: unknown;
    constructor(data: unknown) {
      this.#data = data;
    }
    validate() {
      if (!validator(this.#data)) {
        throw new Error((validator.errors ?? []).map((e) => `${e.instancePath} ${e.message}`).join('; '));
      }
    }
  };
}
