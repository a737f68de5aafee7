import { $ } from 'zx';
import type { DeployPlan, Manifest } from './plan.ts';

const stringify = (objects: object[]) => objects.map((o) => JSON.stringify(o)).join('\n---\n');

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
  await kubectlOf(options)(['apply', '--server-side', '-f', '-'], stringify(objects));
}

/**
 * Applies a plan: the first step, its database Ready, then the migration Jobs (runJobs: the previous
 * ones deleted first, as a Job's pod template cannot change) waited for to complete, then the serving
 * workloads, waited for to be rolled out.
 */
export async function applyPlan(plan: DeployPlan, options: ApplyOptions): Promise<void> {
  const kubectl = kubectlOf(options);
  const ns = ['--namespace', options.namespace];
  options.log(`… applying ${plan.prepare.length} objects (namespace, configuration, policies, database)`);
  await kubectl(['apply', '--server-side', '-f', '-'], stringify(plan.prepare));
  // CloudNativePG's Cluster: its primary must answer before a migration starts.
  for (const cluster of plan.databases) {
    options.log(`… waiting for cluster/${cluster.metadata.name}`);
    await kubectl([
      ...ns,
      'wait',
      '--for=condition=Ready',
      `cluster/${cluster.metadata.name}`,
      `--timeout=${options.timeout}`,
    ]);
  }
  await runJobs(plan.migrations, options);
  options.log(`… applying ${plan.rollout.length} workloads`);
  await kubectl(['apply', '--server-side', '-f', '-'], stringify(plan.rollout));
  for (const rollout of plan.rollout.filter((o) => o.kind === 'Rollout')) {
    await waitForRollout(rollout.metadata.name, options);
  }
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

/** kubectl's duration (10m, 90s) in milliseconds. */
function milliseconds(duration: string): number {
  const match = /^(\d+)(s|m|h)$/.exec(duration);
  if (!match) throw new Error(`timeout ${duration}: give seconds, minutes or hours (90s, 10m, 1h)`);
  return Number(match[1]) * { s: 1_000, m: 60_000, h: 3_600_000 }[match[2] as 's' | 'm' | 'h'];
}

/**
 * Waits for an Argo Rollout to settle: Healthy (the new version serves), or Paused with its preview
 * ready when promotion is manual (production's blue-green: the deploy ends there and says how to
 * promote). Degraded means its analysis failed and the rollout aborted: the deploy fails.
 */
export async function waitForRollout(name: string, options: ApplyOptions, poll = 5_000): Promise<string> {
  const kubectl = kubectlOf(options);
  const deadline = Date.now() + milliseconds(options.timeout);
  options.log(`… waiting for rollout/${name}`);
  for (;;) {
    const status = (
      await kubectl([
        '--namespace',
        options.namespace,
        'get',
        'rollout',
        name,
        '-o',
        'jsonpath={.status.phase}|{.status.message}|{.status.observedGeneration}|{.metadata.generation}',
      ])
    ).stdout;
    const [phase = '', message = '', observed = '', generation = ''] = status.split('|');
    if (observed === generation) {
      if (phase === 'Healthy') return phase;
      if (phase === 'Paused' && /BlueGreenPause/.test(message)) {
        options.log(
          `  rollout/${name} waits for promotion: kubectl argo rollouts promote ${name} -n ${options.namespace}`,
        );
        return phase;
      }
      if (phase === 'Degraded') throw new Error(`rollout/${name} was aborted: ${message}`);
    }
    if (Date.now() > deadline)
      throw new Error(`rollout/${name} still ${phase || 'unknown'} after ${options.timeout}`);
    await new Promise((resolve) => setTimeout(resolve, poll));
  }
}
