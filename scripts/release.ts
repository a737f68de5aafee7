#!/usr/bin/env tsx
// npm run release -- build-plan   the images to build: [{service, image, dockerfile, target}] as JSON
// npm run release -- render --env <staging|production> (--sha <commit> | --digests <file.json|folder>)
// npm run release -- diff   --env <env> (--sha … | --digests …) [--context <kube context>]
// npm run release -- deploy --env <env> (--sha … | --digests …) [--context …] [--timeout 10m]
// npm run release -- rollback --env <env> --sha <earlier commit> [--context …] [--timeout 10m]
// What the delivery workflow does, runnable here: the overlay with every service image pinned to one
// build (the full commit SHA as tag, or the digests the build recorded: {"gateway": "sha256:…", …}),
// printed, diffed against the cluster (kubectl diff: exit 1 when something would change), or applied
// migrations first as `npm run deploy` does, then recorded in the cluster (ConfigMap telemetry-kit-release).
// rollback deploys an earlier commit's images from its checkout; it first reverts the running release's
// newer migrations, with that release's images, only when each declares its down safe (rollback.ts).
// Logic lives in scripts/lib/release/ and scripts/lib/deploy/.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT } from '@telemetry-kit/observability-config/paths';
import { loadServiceCatalogue } from '@telemetry-kit/observability-config/services';
import { KUBERNETES_ENVIRONMENTS, loadSettings } from '@telemetry-kit/observability-config/settings';
import { $ } from 'zx';
import { applyObjects, applyPlan, runJobs } from './lib/deploy/apply.ts';
import { deployPlan } from './lib/deploy/plan.ts';
import type { ImagePin } from './lib/release/render.ts';
import { releaseImages, renderRelease } from './lib/release/render.ts';
import type { ReleaseRecord } from './lib/release/rollback.ts';
import {
  downJobs,
  migrationFiles,
  migrationJobs,
  RECORD_CONFIG_MAP,
  RECORD_KEY,
  recordConfigMap,
  releaseRecord,
  rollbackPlan,
} from './lib/release/rollback.ts';

const VERBS = ['build-plan', 'render', 'diff', 'deploy', 'rollback'] as const;
const fail = (message: string, code = 2): never => {
  console.error(`✗ ${message}`);
  process.exit(code);
};

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    env: { type: 'string' },
    sha: { type: 'string' },
    digests: { type: 'string' },
    context: { type: 'string' },
    timeout: { type: 'string', default: '10m' },
  },
});
const [verb] = positionals;
if (!verb || !(VERBS as readonly string[]).includes(verb))
  fail(`npm run release -- ${VERBS.join('|')} --env <env> …`);
if (verb === 'build-plan') {
  // The delivery workflow's build matrix: each service once, as compose builds it, named as the overlays run it.
  const { imageRegistry } = loadSettings(REPO_ROOT).kubernetes;
  const plan = loadServiceCatalogue(REPO_ROOT).map((service) => ({
    service: service.name,
    image: `${imageRegistry}/${service.name}`,
    dockerfile: service.build.dockerfile,
    target: service.build.target ?? '',
  }));
  process.stdout.write(`${JSON.stringify(plan)}\n`);
  process.exit(0);
}
const env = values.env ?? '';
if (!(KUBERNETES_ENVIRONMENTS as readonly string[]).includes(env)) {
  fail(`--env ${env || '(none)'}: one of ${KUBERNETES_ENVIRONMENTS.join(', ')}`);
}
if (Boolean(values.sha) === Boolean(values.digests))
  fail('give exactly one of --sha <commit> and --digests <file.json>');
if (verb === 'rollback' && !values.sha) fail('rollback goes back to an earlier commit: give its --sha');
/** --digests: a JSON file {"gateway": "sha256:…"}, or a folder of files named after the services (the workflow's artifacts). */
function readPin(): ImagePin {
  if (values.sha) return { sha: values.sha };
  const source = values.digests as string;
  try {
    if (statSync(source).isDirectory()) {
      return {
        digests: Object.fromEntries(
          readdirSync(source).map((file) => [file, readFileSync(path.join(source, file), 'utf8').trim()]),
        ),
      };
    }
    return { digests: JSON.parse(readFileSync(source, 'utf8')) as Record<string, string> };
  } catch (error) {
    return fail(`--digests ${source}: ${(error as Error).message}`);
  }
}
const pin = readPin();

const settings = loadSettings(REPO_ROOT);
const overlay = path.join(REPO_ROOT, 'k8s/overlays', env);
const built = await $({ quiet: true, nothrow: true })`kubectl kustomize ${overlay}`;
if (built.exitCode !== 0)
  fail(`kubectl kustomize ${overlay} failed: ${built.stderr.trim()} — is kubectl installed?`, 1);
let rendered = '';
try {
  rendered = renderRelease(built.stdout, settings.kubernetes.imageRegistry, pin);
} catch (error) {
  fail((error as Error).message);
}

const context = values.context ? ['--context', values.context] : [];
if (verb === 'render') {
  process.stdout.write(rendered);
} else if (verb === 'diff') {
  console.error(releaseImages(rendered).join('\n'));
  const diff = await $({ nothrow: true, input: rendered })`kubectl ${context} diff --server-side -f -`;
  // kubectl diff: 0 nothing would change, 1 something would, >1 it could not tell.
  process.exit(diff.exitCode ?? 2);
} else {
  const catalogue = loadServiceCatalogue(REPO_ROOT);
  const options = {
    namespace: settings.kubernetes.namespace,
    ...(values.context ? { context: values.context } : {}),
    timeout: values.timeout,
    log: (line: string) => console.log(line),
  };
  try {
    if (verb === 'rollback') await revertMigrations(catalogue, options);
    await applyPlan(deployPlan(rendered), options);
    await applyObjects(
      [recordConfigMap(releaseRecord(REPO_ROOT, rendered, catalogue), settings.kubernetes.namespace)],
      options,
    );
    console.log(`✓ ${env} released:\n${releaseImages(rendered).join('\n')}`);
  } catch (error) {
    fail(`the release stopped: ${(error as { stderr?: string }).stderr?.trim() || String(error)}`, 1);
  }
}

/** The running release's record, read from the cluster; undefined when it has none yet. */
async function runningRelease(): Promise<ReleaseRecord | undefined> {
  const read = await $({
    quiet: true,
    nothrow: true,
  })`kubectl ${context} --namespace ${settings.kubernetes.namespace} get configmap ${RECORD_CONFIG_MAP} -o json`;
  if (read.exitCode !== 0) {
    if (/NotFound/.test(read.stderr)) return undefined;
    throw new Error(`reading the release record: ${read.stderr.trim()}`);
  }
  const text = (JSON.parse(read.stdout) as { data?: Record<string, string> }).data?.[RECORD_KEY];
  return text ? (JSON.parse(text) as ReleaseRecord) : undefined;
}

async function revertMigrations(
  catalogue: ReturnType<typeof loadServiceCatalogue>,
  options: Parameters<typeof runJobs>[1],
) {
  const target = Object.fromEntries(
    catalogue
      .filter((s) => s.migrate)
      .map((s) => [s.name, migrationFiles(REPO_ROOT, s.name).map((f) => f.name)]),
  );
  const plan = rollbackPlan(await runningRelease(), target);
  for (const n of plan.newer)
    console.log(
      `  newer migration ${n.service}/${n.migration}: ${n.safe ? 'safe to revert' : 'no "-- rollback: safe"'}`,
    );
  if (plan.kept) {
    console.log(`… the schemas stay as they are: ${plan.kept}`);
    return;
  }
  await runJobs(downJobs(plan, migrationJobs(rendered, catalogue), catalogue), options);
}
