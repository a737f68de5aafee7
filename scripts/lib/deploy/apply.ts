import { $ } from 'zx';
import type { DeployPlan, Manifest } from './plan.ts';

const stringify = (objects: Manifest[]) => objects.map((o) => JSON.stringify(o)).join('\n---\n');

export interface ApplyOptions {
  namespace: string;
  context?: string;
  log: (line: string) => void;
  timeout: string;
}

function kubectlOf(options: ApplyOptions) {
  const context = options.context ? ['--context', options.context] : [];
  return (args: string[], input?: string) =>
    $({ quiet: true, ...(input === undefined ? {} : { input }) })`kubectl ${context} ${args}`;
}

/** Runs one-shot Jobs to completion: the previous ones of those names deleted first, then waited for. */
export async function runJobs(jobs: Manifest[], options: ApplyOptions): Promise<void> {
  if (jobs.length === 0) return;
  const kubectl = kubectlOf(options);
  const ns = ['--namespace', options.namespace];
  await kubectl([...ns, 'delete', 'job', '--ignore-not-found', ...jobs.map((j) => j.metadata.name)]);
  options.log(`… applying ${jobs.map((j) => `job/${j.metadata.name}`).join(', ')}`);
  await kubectl(['apply', '--server-side', '-f', '-'], stringify(jobs));
  for (const job of jobs) {
    options.log(`… waiting for job/${job.metadata.name}`);
    await kubectl([
      ...ns,
      'wait',
      '--for=condition=complete',
      `job/${job.metadata.name}`,
      `--timeout=${options.timeout}`,
    ]);
  }
}

/** Applies objects as they are (server-side). */
export async function applyObjects(objects: object[], options: ApplyOptions): Promise<void> {
  await kubectlOf(options)(
    ['apply', '--server-side', '-f', '-'],
    objects.map((o) => JSON.stringify(o)).join('\n---\n'),
  );
}

/**
 * Applies a plan: the first step, its database Ready, then the migration Jobs (the previous ones
 * deleted first: a Job's pod template cannot change) waited for to complete, then the serving
 * workloads, waited for to be rolled out.
 */
export async function applyPlan(plan: DeployPlan, options: ApplyOptions): Promise<void> {
  const kubectl = kubectlOf(options);
  const ns = ['--namespace', options.namespace];
  if (plan.migrations.length > 0) {
    options.log(`… deleting the previous migration Jobs`);
    await kubectl([
      ...ns,
      'delete',
      'job',
      '--ignore-not-found',
      ...plan.migrations.map((j) => j.metadata.name),
    ]);
  }
  options.log(`… applying ${plan.prepare.length} objects (namespace, configuration, policies, database)`);
  await kubectl(['apply', '--server-side', '-f', '-'], stringify(plan.prepare));
  const waitFor = async (resource: string, condition: string) => {
    options.log(`… waiting for ${resource}`);
    await kubectl([...ns, 'wait', `--for=condition=${condition}`, resource, `--timeout=${options.timeout}`]);
  };
  // CloudNativePG's Cluster: its primary must answer before a migration starts.
  for (const cluster of plan.databases) await waitFor(`cluster/${cluster.metadata.name}`, 'Ready');
  if (plan.migrations.length > 0) {
    options.log(`… applying the migration Jobs`);
    await kubectl(['apply', '--server-side', '-f', '-'], stringify(plan.migrations));
  }
  for (const job of plan.migrations) await waitFor(`job/${job.metadata.name}`, 'complete');
  options.log(`… applying ${plan.rollout.length} workloads`);
  await kubectl(['apply', '--server-side', '-f', '-'], stringify(plan.rollout));
  for (const deployment of plan.rollout.filter((o) => o.kind === 'Deployment')) {
    options.log(`… waiting for deployment/${deployment.metadata.name}`);
    await kubectl([
      ...ns,
      'rollout',
      'status',
      `deployment/${deployment.metadata.name}`,
      `--timeout=${options.timeout}`,
    ]);
  }
}
