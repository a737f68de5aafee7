import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { $ } from 'zx';
import type { DevProject } from './model.ts';
import { parseComposeConfig } from './model.ts';
import type { ContainerStatus } from './progress.ts';
import { parseDockerPs } from './progress.ts';

export const REPO_ROOT = path.resolve(import.meta.dirname, '../../..');
/** The pin file (the testkit reads the same one); compose reads it as its env file. */
export const PIN_FILE = path.join(REPO_ROOT, 'images.env');
export const COMPOSE_FILE = path.join(REPO_ROOT, 'compose/compose.yaml');
/** Overlay for `--native`: Prometheus scrapes the services on the host instead of in containers. */
export const NATIVE_COMPOSE_FILE = path.join(REPO_ROOT, 'compose/compose.native.yaml');
export const PROFILES = ['app', 'telemetry'] as const;
/** Prometheus's file_sd folder (compose mounts it at /etc/prometheus/targets), written by `up`. */
export const ACTIVE_TARGETS_DIR = path.join(REPO_ROOT, '.dev/prometheus-targets');

export interface ComposeSelection {
  profiles?: readonly string[];
  native?: boolean;
}

/**
 * `docker compose` arguments for this project: the pin file as env file (an environment variable of
 * the same name wins, as compose gives the shell precedence), the compose file(s), the profiles.
 */
export function composeArgs(selection: ComposeSelection = {}): string[] {
  const files = selection.native ? [COMPOSE_FILE, NATIVE_COMPOSE_FILE] : [COMPOSE_FILE];
  return [
    'compose',
    '--env-file',
    PIN_FILE,
    ...files.flatMap((file) => ['-f', file]),
    ...(selection.profiles ?? PROFILES).flatMap((profile) => ['--profile', profile]),
  ];
}

const quiet = $({ quiet: true, nothrow: true });

/**
 * The commit the local images are built from (compose's SERVICE_VERSION: each service's
 * service.version and its image's revision label): HEAD, `-dirty` with uncommitted changes, `dev`
 * outside a git checkout.
 */
export async function sourceRevision(): Promise<string> {
  const head = await quiet`git -C ${REPO_ROOT} rev-parse HEAD`;
  if (head.exitCode !== 0) return 'dev';
  const changes = await quiet`git -C ${REPO_ROOT} status --porcelain --untracked-files=no`;
  return `${head.stdout.trim()}${changes.stdout.trim() ? '-dirty' : ''}`;
}

/** The resolved compose model (`docker compose config --format json`). */
export async function loadProject(selection: ComposeSelection = {}): Promise<DevProject> {
  const result = await quiet`docker ${composeArgs(selection)} config --format json`;
  if (result.exitCode !== 0) {
    throw new Error(
      `docker compose config failed: ${result.stderr.trim().split('\n').at(-1)} — check compose/`,
    );
  }
  return {
    ...parseComposeConfig(JSON.parse(result.stdout)),
    configHash: createHash('sha256').update(result.stdout).digest('hex'),
  };
}

/** The compose project's name (compose.yaml `name:`), which labels its containers. */
export function projectName(): string {
  return (
    /^name:\s*(\S+)/m.exec(readFileSync(COMPOSE_FILE, 'utf8'))?.[1] ??
    path.basename(path.dirname(COMPOSE_FILE))
  );
}

/** Every container of a compose project, running or not, by its label: what `docker compose ps --all` lists, faster. */
export async function labelledContainers(project: string): Promise<ContainerStatus[]> {
  const result =
    await quiet`docker ps --all --filter ${`label=com.docker.compose.project=${project}`} --format ${'{{json .}}'}`;
  return result.exitCode === 0 ? parseDockerPs(result.stdout) : [];
}

/** The container publishing a host port, and its compose project. */
export async function containerOnPort(port: number): Promise<{ name: string; project?: string } | undefined> {
  const format = '{{.Names}}\t{{.Label "com.docker.compose.project"}}';
  const result = await quiet`docker ps --filter publish=${port} --format ${format}`;
  const [name, project] = result.stdout.trim().split('\n')[0]?.split('\t') ?? [];
  if (!name) return undefined;
  return project ? { name, project } : { name };
}

/** Which of these images the engine has. */
export async function presentImages(images: string[]): Promise<Set<string>> {
  const present = new Set<string>();
  await Promise.all(
    images.map(async (image) => {
      if ((await quiet`docker image inspect --format {{.Id}} ${image}`).exitCode === 0) present.add(image);
    }),
  );
  return present;
}

/** Tries to pull each image once; returns those that could not be had (no registry, no mirror). */
export async function tryPull(images: string[]): Promise<string[]> {
  const failed: string[] = [];
  await Promise.all(
    images.map(async (image) => {
      if ((await quiet`docker pull --quiet ${image}`).exitCode !== 0) failed.push(image);
    }),
  );
  return failed;
}
