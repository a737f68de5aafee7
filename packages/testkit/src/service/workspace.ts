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

/**
 * What a service's image is built from, relative to the workspace root: the root manifests, the
 * service's folder and every workspace package it depends on, directly or not. Their content hash
 * names the image, so changing a shared package rebuilds the services that import it, and nothing else.
 */
export function serviceBuildInputs(root: string, service: string): string[] {
  const serviceDir = path.join('services', service);
  if (!existsSync(path.join(root, serviceDir, 'Dockerfile'))) {
    throw new Error(
      `no Dockerfile at ${path.join(root, serviceDir, 'Dockerfile')} — is "${service}" a folder under services/?`,
    );
  }
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
  return [...rootFiles, ...[...dirs].sort()];
}
