import { $ } from 'zx';
import type { DeployPlan, Manifest } from './plan.ts';

const stringify = (objects: Manifest[]) => objects.map((o) => JSON.stringify(o)).join('\n---\n');

/**
 * Applies a plan: the first step, its database Ready, then the migration Jobs (the previous ones
 * deleted first: a Job's pod template cannot change) waited for to complete, then the serving
 * workloads, waited for to be rolled out.
 */
export async function applyPlan(
  plan: DeployPlan,
  options: { namespace: string; context?: string; log: (line: string) => void; timeout: string },
): Promise<void> {
  const context = options.context ? ['--context', options.context] : [];
  const kubectl = (args: string[], input?: string) =>
    $({ quiet: true, ...(input === undefined ? {} : { input }) })`kubectl ${context} ${args}`;
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
