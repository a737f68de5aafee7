import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** Files at the workspace root that every service image depends on, when they exist. */
const ROOT_INPUTS = [
  'package.json',
  'package-lock.json',
  'tsconfig.json',
  '.dockerignore',
  '.npmrc',
  'images.env',
];

interface WorkspacePackage {
  name: string;
  dir: string;
  dependencies: string[];
}

function readPackage(root: string, dir: string): WorkspacePackage | undefined {
  const manifest = path.join(root, dir, 'package.json');
  if (!existsSync(manifest)) return undefined;
  const json = JSON.parse(readFileSync(manifest, 'utf8')) as {
    name?: string;
    dependencies?: Record<string, string>;
    devDependencies?: Record<string, string>;
  };
  return {
    name: json.name ?? dir,
    dir,
    dependencies: Object.keys({ ...json.dependencies, ...json.devDependencies }),
  };
}

/** The workspace's packages (packages/* and services/*) by package name. */
export function workspacePackages(root: string): Map<string, WorkspacePackage> {
  const packages = new Map<string, WorkspacePackage>();
  for (const group of ['packages', 'services']) {
    const groupDir = path.join(root, group);
    if (!existsSync(groupDir)) continue;
    for (const entry of readdirSync(groupDir, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const pkg = readPackage(root, path.join(group, entry.name));
      if (pkg) packages.set(pkg.name, pkg);
    }
  }
  return packages;
}

/** How a workspace service's image is built: its Dockerfile, the stage and the build arguments. */
export interface ServiceImageRecipe {
  dockerfile: string;
  target?: string;
  buildArgs: Record<string, string>;
}

/** The Dockerfile all services share, when there is one: services/Dockerfile, built per service. */
export const SHARED_DOCKERFILE = path.join('services', 'Dockerfile');
/** The stage of the shared Dockerfile a service without a stage of its own is built to. */
export const DEFAULT_SERVICE_STAGE = 'service';

/**
 * A service's own `services/<name>/Dockerfile` if it has one; otherwise the shared
 * `services/Dockerfile` with `SERVICE=<name>`, built to the stage named after the service (rituals,
 * web) or to `service`.
 */
export function serviceImageRecipe(root: string, service: string): ServiceImageRecipe {
  const own = path.join('services', service, 'Dockerfile');
  if (existsSync(path.join(root, own))) return { dockerfile: own, buildArgs: {} };
  if (!existsSync(path.join(root, 'services', service, 'package.json'))) {
    throw new Error(`no services/${service}/package.json — is "${service}" a folder under services/?`);
  }
  if (!existsSync(path.join(root, SHARED_DOCKERFILE))) {
    throw new Error(`no Dockerfile at ${path.join(root, own)} nor ${path.join(root, SHARED_DOCKERFILE)}`);
  }
  const stages = [
    ...readFileSync(path.join(root, SHARED_DOCKERFILE), 'utf8').matchAll(/^FROM\s+\S+\s+AS\s+(\S+)/gim),
  ].map((match) => match[1]?.toLowerCase());
  if (!stages.includes(DEFAULT_SERVICE_STAGE)) {
    throw new Error(
      `${SHARED_DOCKERFILE} has no stage "${DEFAULT_SERVICE_STAGE}" (FROM … AS ${DEFAULT_SERVICE_STAGE})`,
    );
  }
  return {
    dockerfile: SHARED_DOCKERFILE,
    target: stages.includes(service) ? service : DEFAULT_SERVICE_STAGE,
    buildArgs: { SERVICE: service },
  };
}

/**
 * What a service's image is built from, relative to the workspace root: the root manifests, the
 * Dockerfile, the service's folder and every workspace package it depends on, directly or not. Their
 * content hash names the image, so changing a shared package rebuilds the services that import it,
 * and nothing else.
 */
export function serviceBuildInputs(root: string, service: string): string[] {
  const serviceDir = path.join('services', service);
  const { dockerfile } = serviceImageRecipe(root, service);
  const packages = workspacePackages(root);
  const dirs = new Set<string>([serviceDir]);
  const queue = [...(readPackage(root, serviceDir)?.dependencies ?? [])];
  for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
    const pkg = packages.get(name);
    if (!pkg || dirs.has(pkg.dir)) continue;
    dirs.add(pkg.dir);
    queue.push(...pkg.dependencies);
  }
  const rootFiles = ROOT_INPUTS.filter((file) => existsSync(path.join(root, file)));
  const shared = dockerfile === SHARED_DOCKERFILE ? [SHARED_DOCKERFILE] : [];
  return [...rootFiles, ...shared, ...[...dirs].sort()];
}
