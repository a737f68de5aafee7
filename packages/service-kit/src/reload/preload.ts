// What a spare process (spare.ts) loads before it is told to go, and what that pins.
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** What a spare tells the supervisor: preloaded (and which workspace packages it pinned), then listening. */
export type SpareMessage = { type: 'ready'; pinned: string[] } | { type: 'up' };
/** What the supervisor tells a spare: import the entry now. */
export type SupervisorMessage = { type: 'go' };

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

/**
 * The third-party packages a service depends on, through its workspace packages (which are the
 * service's own code and load on go). Read from the package.json files, not from a previous run.
 */
export function thirdPartyDependencies(entry: string): string[] {
  const first = packageRoot(path.resolve(entry));
  const found = new Set<string>();
  const seen = new Set<string>();
  const queue = first ? [first] : [];
  for (let dir = queue.shift(); dir !== undefined; dir = queue.shift()) {
    if (seen.has(dir)) continue;
    seen.add(dir);
    const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
    };
    for (const name of Object.keys(manifest.dependencies ?? {})) {
      const at = installedAt(name, dir);
      if (!at) continue;
      if (`${at}${path.sep}`.includes(NODE_MODULES)) found.add(name);
      else queue.push(at);
    }
  }
  return [...found].sort();
}

/** The workspace packages a process loads before go (its --import preloads): an edit to one stales it. */
export function pinnedPackages(options: readonly string[] = process.execArgv): string[] {
  const specifiers: string[] = [];
  for (let i = 0; i < options.length; i++) {
    const option = options[i] ?? '';
    if (option === '--import') specifiers.push(options[++i] ?? '');
    else if (option.startsWith('--import=')) specifiers.push(option.slice('--import='.length));
  }
  const pinned = new Set<string>();
  for (const specifier of specifiers) {
    try {
      const file = realpathSync(fileURLToPath(import.meta.resolve(specifier)));
      const root = file.includes(NODE_MODULES) ? undefined : packageRoot(file);
      if (root) pinned.add(root);
    } catch {
      // Not a file this process can name (a data: URL): nothing an edit reaches.
    }
  }
  return [...pinned];
}
