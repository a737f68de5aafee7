#!/usr/bin/env tsx
// npm run deploy -- <staging|production> [--context <kube context>] [--timeout 10m]
// Applies k8s/overlays/<env> in order: configuration and the migration Jobs, waits for the Jobs,
// then the workloads, and waits for their rollout. Logic lives in scripts/lib/deploy/.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT } from '@telemetry-kit/observability-config/paths';
import { KUBERNETES_ENVIRONMENTS, loadSettings } from '@telemetry-kit/observability-config/settings';
import { $ } from 'zx';
import { applyPlan } from './lib/deploy/apply.ts';
import { deployPlan } from './lib/deploy/plan.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { context: { type: 'string' }, timeout: { type: 'string', default: '10m' } },
});
const [env] = positionals;
if (!env || !(KUBERNETES_ENVIRONMENTS as readonly string[]).includes(env)) {
  console.error(`✗ name the environment: npm run deploy -- ${KUBERNETES_ENVIRONMENTS.join('|')}`);
  process.exit(2);
}
const overlay = path.join(REPO_ROOT, 'k8s/overlays', env);
const built = await $({ quiet: true, nothrow: true })`kubectl kustomize ${overlay}`;
if (built.exitCode !== 0) {
  console.error(`✗ kubectl kustomize ${overlay} failed: ${built.stderr.trim()} — is kubectl installed?`);
  process.exit(1);
}
try {
  await applyPlan(deployPlan(built.stdout), {
    namespace: loadSettings(REPO_ROOT).kubernetes.namespace,
    ...(values.context ? { context: values.context } : {}),
    timeout: values.timeout,
    log: (line) => console.log(line),
  });
  console.log(`✓ ${env} deployed`);
} catch (error) {
  const detail = (error as { stderr?: string }).stderr?.trim() || String(error);
  console.error(`✗ the deploy stopped: ${detail}`);
  process.exit(1);
}
