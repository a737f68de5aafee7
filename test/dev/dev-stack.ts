import { existsSync } from 'node:fs';
import path from 'node:path';
import { loadServiceCatalogue } from '@telemetry-kit/observability-config/services';
import { $ } from 'zx';
import { composeArgs } from '../../scripts/lib/dev/compose.ts';
import { parsePs } from '../../scripts/lib/dev/progress.ts';

/** Drives the real verbs (`npm run dev`, `dev:down`) the way a developer does, for the dev suites. */
export const root = path.resolve(import.meta.dirname, '../..');
const tsx = path.join(root, 'node_modules/.bin/tsx');
export const PROJECT = 'telemetry-kit';
/** The reference services: the service catalogue (compose/compose.yaml). */
export const SERVICES = loadServiceCatalogue(root).map((service) => service.name);

export interface VerbResult {
  exitCode: number;
  output: string;
}

export async function runVerb(args: string[], env: NodeJS.ProcessEnv = {}): Promise<VerbResult> {
  const result = await $({
    cwd: root,
    env: { ...process.env, ...env },
    nothrow: true,
    quiet: true,
  })`${tsx} scripts/dev.ts ${args}`;
  return { exitCode: result.exitCode ?? 1, output: `${result.stdout}${result.stderr}` };
}

export const devUp = (...args: string[]) => runVerb(args);
export const devDown = (...args: string[]) => runVerb(['down', ...args]);

/** Every container of the project, with its id, as `docker compose ps --all` sees it. */
export async function projectContainers() {
  const result = await $({ quiet: true, nothrow: true })`docker ${composeArgs()} ps --all --format json`;
  return parsePs(result.stdout);
}

export async function containerIds(): Promise<string[]> {
  const result = await $({
    quiet: true,
    nothrow: true,
  })`docker ps --all --quiet --no-trunc --filter label=com.docker.compose.project=${PROJECT}`;
  return result.stdout.trim().split('\n').filter(Boolean).sort();
}

export async function projectNetworks(): Promise<string[]> {
  const result = await $({
    quiet: true,
    nothrow: true,
  })`docker network ls --quiet --filter label=com.docker.compose.project=${PROJECT}`;
  return result.stdout.trim().split('\n').filter(Boolean);
}

/** The services' image recipe, if missing (services/Dockerfile builds them all). */
export function missingDockerfiles(): string[] {
  return ['services/Dockerfile'].filter((file) => !existsSync(path.join(root, file)));
}

export interface PromVectorSample {
  metric: Record<string, string>;
  value: [number, string];
}

export async function promQuery(promql: string, base = 'http://localhost:9090'): Promise<PromVectorSample[]> {
  const response = await fetch(`${base}/api/v1/query?${new URLSearchParams({ query: promql })}`);
  const body = (await response.json()) as {
    status: string;
    data?: { result: PromVectorSample[] };
    error?: string;
  };
  if (body.status !== 'success') throw new Error(`Prometheus query ${promql} failed: ${body.error}`);
  return body.data?.result ?? [];
}
