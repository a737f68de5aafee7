import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { $ } from 'zx/core';
import type { DevProject } from './model.ts';
import { parseComposeConfig } from './model.ts';
import { PROBES_COMPOSE_FILE } from './probes.ts';
import type { ContainerStatus } from './progress.ts';
import { parseDockerPs } from './progress.ts';
import { WATCH_COMPOSE_FILE } from './watch.ts';

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
  /** `--watch`: the overlay that mounts the sources into the services, which restart on an edit. */
  watch?: boolean;
}

/**
 * `docker compose` arguments for this project: the pin file as env file (an environment variable of
 * the same name wins, as compose gives the shell precedence), the compose file(s), the profiles. The
 * probes overlay is there whenever `up` found an engine with start_interval (probes.ts).
 */
export function composeArgs(selection: ComposeSelection = {}): string[] {
  const probes = path.join(REPO_ROOT, PROBES_COMPOSE_FILE);
  const files = [
    COMPOSE_FILE,
    ...(existsSync(probes) ? [probes] : []),
    ...(selection.native ? [NATIVE_COMPOSE_FILE] : []),
    ...(selection.watch ? [path.join(REPO_ROOT, WATCH_COMPOSE_FILE)] : []),
  ];
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

/** The last resolved configuration and what it was resolved from (.dev/, ignored by git). */
const CONFIG_CACHE = path.join(REPO_ROOT, '.dev/compose-config.json');

/**
 * What `docker compose config` resolves from: the compose files and the env file, and the values of
 * the variables they interpolate (a `${VAR}` of a file, or a COMPOSE_* setting) in this environment.
 */
export function configInputs(selection: ComposeSelection = {}): string {
  const args = composeArgs(selection);
  const files = [PIN_FILE, ...args.filter((_, i) => args[i - 1] === '-f')];
  const texts = files.map((file) => {
    try {
      return readFileSync(file, 'utf8');
    } catch {
      return '';
    }
  });
  const variables = new Set(
    texts.flatMap((text) => [...text.matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1] ?? '')),
  );
  for (const name of Object.keys(process.env)) if (name.startsWith('COMPOSE_')) variables.add(name);
  const environment = [...variables].sort().map((name) => [name, process.env[name] ?? null]);
  return createHash('sha256').update(JSON.stringify({ args, texts, environment })).digest('hex');
}

/**
 * A hash of what the containers run with: the resolved configuration without each service's `build`
 * (compose's own service hash leaves it out) and without the `x-` fragments the services were resolved
 * from. What a build changes (the commit, the source-hash label) is the images' business
 * (freshness.ts): a new commit alone changes no container.
 */
export function runtimeConfigHash(config: unknown): string {
  const { services = {}, ...rest } = config as { services?: Record<string, { build?: unknown }> };
  const running = Object.fromEntries(
    Object.entries(services).map(([name, { build: _, ...service }]) => [name, service]),
  );
  const project = Object.fromEntries(Object.entries(rest).filter(([key]) => !key.startsWith('x-')));
  return createHash('sha256')
    .update(JSON.stringify({ ...project, services: running }))
    .digest('hex');
}

function fromConfig(json: string): DevProject {
  const config: unknown = JSON.parse(json);
  return { ...parseComposeConfig(config), configHash: runtimeConfigHash(config) };
}

/**
 * The resolved compose model (`docker compose config --format json`). The resolution is kept with the
 * hash of its inputs, so a re-run with nothing changed reads it instead of asking compose (~0.5 s).
 */
export async function loadProject(selection: ComposeSelection = {}): Promise<DevProject> {
  const inputs = configInputs(selection);
  const cached = cachedProject(inputs);
  if (cached) return cached;
  const result = await quiet`docker ${composeArgs(selection)} config --format json`;
  if (result.exitCode !== 0) {
    throw new Error(
      `docker compose config failed: ${result.stderr.trim().split('\n').at(-1)} — check compose/`,
    );
  }
  mkdirSync(path.dirname(CONFIG_CACHE), { recursive: true });
  writeFileSync(CONFIG_CACHE, JSON.stringify({ inputs, config: result.stdout }));
  return fromConfig(result.stdout);
}

/** The cached resolution, if it was resolved from exactly these inputs. */
export function cachedProject(inputs: string, cache = CONFIG_CACHE): DevProject | undefined {
  try {
    const entry = JSON.parse(readFileSync(cache, 'utf8')) as { inputs?: string; config?: string };
    return entry.inputs === inputs && entry.config ? fromConfig(entry.config) : undefined;
  } catch {
    return undefined;
  }
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
    await quiet`docker ps --all --no-trunc --filter ${`label=com.docker.compose.project=${project}`} --format ${'{{json .}}'}`;
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
  return new Set((await inspectImages(images, '{{.Id}}')).keys());
}

/**
 * `docker image inspect --format <format>` of several images in one call (a Docker CLI start costs
 * about 0.1 s; a call per image made the re-run wait a second for them): each present image's line.
 * An image the engine does not have is named on stderr ("No such image: …"); when the answer cannot be
 * matched to the images asked, each is asked on its own.
 */
export async function inspectImages(images: readonly string[], format: string): Promise<Map<string, string>> {
  const asked = [...new Set(images)];
  const found = new Map<string, string>();
  if (asked.length === 0) return found;
  const result = await quiet`docker image inspect --format ${format} ${asked}`;
  const missing = new Set([...result.stderr.matchAll(/No such image: (\S+)/g)].map((m) => m[1]));
  const present = asked.filter((image) => !missing.has(image));
  const lines = result.stdout.replace(/\n$/, '').split('\n');
  const understood =
    (result.exitCode === 0 || missing.size > 0) && (present.length === 0 || lines.length === present.length);
  if (understood) {
    for (const [i, image] of present.entries()) found.set(image, lines[i] ?? '');
    return found;
  }
  await Promise.all(
    asked.map(async (image) => {
      const one = await quiet`docker image inspect --format ${format} ${image}`;
      if (one.exitCode === 0) found.set(image, one.stdout.trim());
    }),
  );
  return found;
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
