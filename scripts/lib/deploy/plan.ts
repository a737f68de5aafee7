import { parseAllDocuments } from 'yaml';

/** A rendered object, as much of it as the deploy reads. */
export interface Manifest {
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
}

/** Workloads that serve traffic (Argo Rollouts' too): they change only after the migrations have run. */
const ROLLED_OUT = new Set(['Deployment', 'Rollout', 'HorizontalPodAutoscaler', 'PodDisruptionBudget']);

export interface DeployPlan {
  /** Everything the migrations need and nothing that serves: namespace, config, policies, a database. */
  prepare: Manifest[];
  /** CloudNativePG Clusters among those: Ready before a migration starts. */
  databases: Manifest[];
  /** The migration Jobs. */
  migrations: Manifest[];
  /** What changes once the migrations completed. */
  rollout: Manifest[];
}

/** Splits an overlay's objects (kubectl kustomize output) into the deploy's steps. */
export function deployPlan(kustomizeOutput: string): DeployPlan {
  const objects = parseAllDocuments(kustomizeOutput)
    .map((doc) => doc.toJS() as Manifest | null)
    .filter((o): o is Manifest => o !== null);
  return {
    prepare: objects.filter((o) => !ROLLED_OUT.has(o.kind) && o.kind !== 'Job'),
    databases: objects.filter((o) => o.kind === 'Cluster'),
    migrations: objects.filter((o) => o.kind === 'Job'),
    rollout: objects.filter((o) => ROLLED_OUT.has(o.kind)),
  };
}
