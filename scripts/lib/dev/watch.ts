// `npm run dev -- --watch`: the containerised services reload on an edit, without an image build.
// An overlay compose file mounts the folders Node loads of each Node service from the host, read-only,
// over the image's copies; the service runs under service-kit's reload supervisor, which restarts it
// from a warm spare process on an edit. compose's develop.watch rebuilds the image on a change to what
// its build uses (a manifest, the lock, the Dockerfile); `docker compose watch --no-up` keeps doing so
// until Ctrl-C. `--native` runs the same supervisor on the host.
//
// Not develop.watch's `sync`: it waits for 0.5 s without events (compose's quietPeriod, fixed), then
// copies the files in through the engine; an edit took about 1.5 s to reach the gateway that way, half
// a second with the mount. Not `sync+restart`: restarting the container took Docker 20.10 about 1 s
// before Node even started. Not Node's watch mode: in the container it missed compose's file
// replacements after the second, and it starts each process cold.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { REPO_ROOT } from '@telemetry-kit/observability-config/paths';
import { serviceBuildInputs, serviceImageRecipe } from '@telemetry-kit/testkit/workspace';

/** Written by `up({ watch: true })`; .dev/ is ignored by git. */
export const WATCH_COMPOSE_FILE = '.dev/compose.watch.json';
/** Where the images keep the workspace (services/Dockerfile WORKDIR /app). */
const IMAGE_ROOT = '/app';

type WatchRule = { action: 'rebuild'; path: string };

/** A folder of the host mounted over the image's copy (compose's long volume syntax). */
interface SourceMount {
  type: 'bind';
  source: string;
  target: string;
  read_only: true;
}

interface WatchService {
  command: string[];
  deploy: { resources: { limits: { cpus: string } } };
  environment: Record<string, string>;
  volumes: SourceMount[];
  develop: { watch: WatchRule[] };
}

/** The entry module a service's folder holds, as its image runs it (services/Dockerfile CMD). */
export const ENTRY_CANDIDATES = ['src/main.ts', 'src/server.ts', 'src/index.ts'];

/** The service's entry module, relative to its folder: the first of src/main.ts, server.ts, index.ts. */
export function entryFile(serviceDir: string): string | undefined {
  return ENTRY_CANDIDATES.find((candidate) => existsSync(path.join(serviceDir, candidate)));
}

/** service-kit's reload supervisor (`@telemetry-kit/service-kit/reload`), from the workspace root. */
export const RELOADER = path.relative(
  REPO_ROOT,
  fileURLToPath(import.meta.resolve('@telemetry-kit/service-kit/reload')),
);

/**
 * The image's command (`node --import @telemetry-kit/telemetry/register <entry>`, services/Dockerfile
 * CMD) under the reload supervisor at `reloader`, which restarts it on an edit under `folders`.
 */
export function reloadingCommand(reloader: string, folders: readonly string[], entry: string): string[] {
  return [
    'node',
    reloader,
    ...folders.map((folder) => `--watch-path=${folder}`),
    '--',
    '--import',
    '@telemetry-kit/telemetry/register',
    entry,
  ];
}

/**
 * A restart on an edit has no load balancer to warn: no drain (TELEMETRY_DRAIN_MS, 5 s by default),
 * and 50 ms for the last spans (TELEMETRY_SHUTDOWN_FLUSH_MS, 15 s by default: a local
 * collector takes them in milliseconds, and a missing one would hold every reload for its export
 * timeout). `--native` runs its services with the same.
 */
export const RELOAD_ENVIRONMENT = {
  TELEMETRY_DRAIN_MS: '0',
  TELEMETRY_SHUTDOWN_FLUSH_MS: '50',
  // V8's code cache for what the restarted process loads again unchanged (most of it).
  NODE_COMPILE_CACHE: '/tmp/telemetry-kit-node-compile-cache',
} as const;

/**
 * The CPU limit of a watched service's container (compose.yaml gives each service 1). A reload starts
 * the new process while the last one drains, and the next spare loads right after it: with one CPU the
 * three queue. Measured on the gateway: an edit reached it in about 1.25–1.45 s with two, 1.35–1.85 s
 * with one. Under --watch only; the limit the deployments mirror stays 1.
 */
export const RELOAD_CPUS = '2';

/**
 * The folders Node loads from a workspace package: the top folder of each target its package.json
 * `exports` names (dist/ of a bundled library, src/ of one run from source), or src/ for a service.
 */
export function loadedFolders(root: string, dir: string): string[] {
  const manifest = JSON.parse(readFileSync(path.join(root, dir, 'package.json'), 'utf8')) as {
    exports?: unknown;
  };
  const targets: string[] = [];
  const collect = (value: unknown) => {
    if (typeof value === 'string') targets.push(value);
    else if (value && typeof value === 'object') for (const inner of Object.values(value)) collect(inner);
  };
  collect(manifest.exports);
  const folders =
    targets.length > 0 ? targets.map((t) => t.replace(/^\.\//, '').split('/')[0] ?? '') : ['src'];
  return [...new Set(folders)].filter((f) => f && existsSync(path.join(root, dir, f))).sort();
}

/** The workspace folders a service's image holds: its own and its production dependencies', transitively. */
export function runtimeFolders(root: string, service: string): string[] {
  const byName = new Map<string, { dir: string; dependencies: string[] }>();
  for (const dir of serviceBuildInputs(root, service)) {
    const file = path.join(root, dir, 'package.json');
    if (!existsSync(file) || dir === 'package.json') continue;
    const manifest = JSON.parse(readFileSync(file, 'utf8')) as { name: string; dependencies?: object };
    byName.set(manifest.name, { dir, dependencies: Object.keys(manifest.dependencies ?? {}) });
  }
  const own = path.join('services', service);
  const folders = new Set([own]);
  const queue = [...(byName.get(`@telemetry-kit/${service}`)?.dependencies ?? [])];
  for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
    const pkg = byName.get(name);
    if (!pkg || folders.has(pkg.dir)) continue;
    folders.add(pkg.dir);
    queue.push(...pkg.dependencies);
  }
  return [...folders].sort();
}

/** The folders (from the workspace root) whose edits reload a service: what Node loads of it and its dependencies. */
export function reloadFolders(root: string, service: string): string[] {
  return runtimeFolders(root, service).flatMap((dir) =>
    loadedFolders(root, dir).map((folder) => path.join(dir, folder)),
  );
}

/** What a service's folder holds besides its sources that the image build uses (a browser bundle, migrations). */
const NOT_IN_IMAGE = new Set(['src', 'test', 'node_modules', 'dist', 'README.md', 'tsconfig.json']);

/**
 * The folders Node loads of a service, mounted read-only from the host over the image's copies: an edit
 * is in the container the moment it is written (the supervisor restarts the service on it).
 */
export function sourceMounts(root: string, service: string): SourceMount[] {
  return reloadFolders(root, service).map((folder) => ({
    type: 'bind' as const,
    source: path.join(root, folder),
    target: path.posix.join(IMAGE_ROOT, folder),
    read_only: true as const,
  }));
}

/**
 * develop.watch for one service: rebuild the image when a manifest, the lock, the Dockerfile or anything
 * else of the service's folder that the build uses changes.
 */
export function watchRules(root: string, service: string): WatchRule[] {
  const folders = runtimeFolders(root, service);
  const own = path.join('services', service);
  const buildOnly = readdirSync(path.join(root, own))
    .filter((entry) => !NOT_IN_IMAGE.has(entry) && entry !== 'package.json')
    .map((entry) => path.join(own, entry));
  return [
    ...folders.map((dir) => path.join(dir, 'package.json')),
    ...buildOnly,
    'package-lock.json',
    serviceImageRecipe(root, service).dockerfile,
  ]
    .filter((file) => existsSync(path.join(root, file)))
    .map((file) => ({ action: 'rebuild' as const, path: path.join(root, file) }));
}

/** The overlay for the long-running built services (one-shots such as migrations are not watched). */
export function watchOverlay(
  root: string,
  services: readonly string[],
): { services: Record<string, WatchService> } {
  const entries = services.map((service): [string, WatchService] => {
    const entry = entryFile(path.join(root, 'services', service));
    if (!entry)
      throw new Error(`--watch: no entry module in services/${service} (${ENTRY_CANDIDATES.join(', ')})`);
    const volumes = sourceMounts(root, service);
    const command = reloadingCommand(
      path.posix.join(IMAGE_ROOT, RELOADER),
      volumes.map((mount) => mount.target),
      entry,
    );
    return [
      service,
      {
        command,
        deploy: { resources: { limits: { cpus: RELOAD_CPUS } } },
        environment: { ...RELOAD_ENVIRONMENT },
        volumes,
        develop: { watch: watchRules(root, service) },
      },
    ];
  });
  return { services: Object.fromEntries(entries) };
}

/** Writes the overlay `composeArgs({ watch: true })` adds; returns its path. */
export function writeWatchOverlay(root: string, services: readonly string[]): string {
  const file = path.join(root, WATCH_COMPOSE_FILE);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(watchOverlay(root, services), null, 2)}\n`);
  return file;
}
