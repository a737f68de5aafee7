import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { GenericContainer } from 'testcontainers';

/** The repository root (this file is packages/testkit/src/config-source.ts). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The compose folder whose configuration files the containers use by default. */
export const COMPOSE_DIR = path.join(REPO_ROOT, 'compose');

/**
 * A configuration file (or folder, for Grafana provisioning and Prometheus rules) for a container:
 * a path on the host, or the file's content.
 */
export type ConfigSource = { path: string } | { content: string };

/** A path is read as a path; any other string is the content itself. */
export function configSource(source: ConfigSource | string): ConfigSource {
  return typeof source === 'string' ? { content: source } : source;
}

/** Copies a configuration file or folder into the container at `target`, failing early when a path is missing. */
export function copyConfig(
  container: GenericContainer,
  source: ConfigSource,
  target: string,
  what: string,
): void {
  if ('content' in source) {
    container.withCopyContentToContainer([{ content: source.content, target, mode: 0o644 }]);
    return;
  }
  if (!existsSync(source.path)) {
    throw new Error(`${what}: ${source.path} does not exist — pass another path or the content itself`);
  }
  if (statSync(source.path).isDirectory()) {
    container.withCopyDirectoriesToContainer([{ source: source.path, target }]);
  } else {
    container.withCopyFilesToContainer([{ source: source.path, target, mode: 0o644 }]);
  }
}

/** `http://host:port` of a started container's port, as reached from the test process. */
export function hostUrl(
  container: { getHost(): string; getMappedPort(port: number): number },
  port: number,
): string {
  return `http://${container.getHost()}:${container.getMappedPort(port)}`;
}
