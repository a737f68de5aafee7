// What a spare process (spare.ts) loads before it is told to go, and so which edits make it stale.
// The supervisor computes it once, from the package.json files, and hands each spare its packages.
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** What a spare tells the supervisor: the service it went on is listening; told to stop, it no longer is. */
export type SpareMessage = { type: 'up' } | { type: 'released' };
/** What the supervisor tells a spare: import the entry now. */
export type SupervisorMessage = { type: 'go' };

export interface PreloadPlan {
  /**
   * Imported by the spare before go: the service's own dependencies, third-party and workspace alike
   * (a workspace package loads what it imports, and no more: service-kit leaves flagd to the services
   * with a flag file).
   */
  packages: string[];
  /** The workspace packages the spare has loaded (these, and its --import preloads): an edit to one stales it. */
  pinned: string[];
}

const NODE_MODULES = `${path.sep}node_modules${path.sep}`;

function packageRoot(file: string): string | undefined {
  for (let dir = path.dirname(file); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
  }
  return undefined;
}

function installedAt(name: string, from: string): string | undefined {
  for (let dir = from; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name);
    if (existsSync(path.join(candidate, 'package.json'))) return realpathSync(candidate);
  }
  return undefined;
}

const isWorkspace = (dir: string) => !`${dir}${path.sep}`.includes(NODE_MODULES);

function importPreloads(nodeOptions: readonly string[]): string[] {
  const specifiers: string[] = [];
  for (let i = 0; i < nodeOptions.length; i++) {
    const option = nodeOptions[i] ?? '';
    if (option === '--import') specifiers.push(nodeOptions[++i] ?? '');
    else if (option.startsWith('--import=')) specifiers.push(option.slice('--import='.length));
  }
  return specifiers;
}

/**
 * The spare of the service whose entry module is `entry` (a path from `cwd`), run with `nodeOptions`:
 * what the service depends on is preloaded, and only the service's own package loads on go. An
 * edit to the service (the usual one) restarts from the spare; an edit to a workspace package it
 * preloaded starts a new process, as a restart without a spare does.
 */
export function preloadPlan(entry: string, nodeOptions: readonly string[], cwd = process.cwd()): PreloadPlan {
  const packages = new Set<string>();
  const pinned = new Set<string>();
  const own = packageRoot(path.resolve(cwd, entry));
  const queue = own ? [own] : [];
  const seen = new Set<string>();
  for (let dir = queue.shift(); dir !== undefined; dir = queue.shift()) {
    if (seen.has(dir)) continue;
    seen.add(dir);
    const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
    };
    for (const name of Object.keys(manifest.dependencies ?? {})) {
      const at = installedAt(name, dir);
      if (!at) continue;
      if (dir === own) packages.add(name);
      if (isWorkspace(at)) {
        pinned.add(at);
        queue.push(at);
      }
    }
  }
  for (const specifier of importPreloads(nodeOptions)) {
    try {
      const file = /^[./]/.test(specifier)
        ? path.resolve(cwd, specifier)
        : fileURLToPath(import.meta.resolve(specifier));
      const root = packageRoot(realpathSync(file));
      if (root && isWorkspace(root)) pinned.add(root);
    } catch {
      // Not a file (a data: URL) or not resolvable from here: nothing an edit reaches.
    }
  }
  return { packages: [...packages].sort(), pinned: [...pinned].sort() };
}
