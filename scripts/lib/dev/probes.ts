// How often Docker probes a container, starting and running. Each probe is an exec in the container
// (runc, containerd, dockerd: about 0.1 CPU-second), so a probe a second for each of nine containers kept
// two cores 86% busy with nothing running (48% at 2 s, 23% at 5 s). compose.yaml therefore probes every
// 5 s, which any engine accepts; on an engine that has `start_interval` (Engine 25, API 1.44, which
// compose refuses below) this overlay probes every second until the container is healthy, so
// `npm run dev` sees it within about a second of it being so, and every 5 s after.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { $ } from 'zx/core';

/** Written by `up()` when the engine has start_interval, removed when it has not; .dev/ is ignored by git. */
export const PROBES_COMPOSE_FILE = '.dev/compose.probes.json';
/** The first API version with HealthConfig.StartInterval (Docker Engine 25). */
const START_INTERVAL_API = [1, 44] as const;
export const START_INTERVAL = '1s';

export function hasStartInterval(apiVersion: string): boolean {
  const [major = 0, minor = 0] = apiVersion.trim().split('.').map(Number);
  return major > START_INTERVAL_API[0] || (major === START_INTERVAL_API[0] && minor >= START_INTERVAL_API[1]);
}

/** The engine's API version (`docker version`), or undefined when it does not answer. */
export async function engineApiVersion(): Promise<string | undefined> {
  const result = await $({ quiet: true, nothrow: true })`docker version --format ${'{{.Server.APIVersion}}'}`;
  return result.exitCode === 0 ? result.stdout.trim() : undefined;
}

/** The services of a compose file that have a healthcheck (not `disable: true`). */
export function probedServices(composeFile: string): string[] {
  // merge: true resolves the `<<:` anchors the file shares its probe timing with.
  const source = parse(readFileSync(composeFile, 'utf8'), { merge: true }) as {
    services: Record<string, { healthcheck?: { test?: unknown; disable?: boolean } }>;
  };
  return Object.entries(source.services)
    .filter(([, service]) => service.healthcheck?.test !== undefined && service.healthcheck.disable !== true)
    .map(([name]) => name)
    .sort();
}

export function probesOverlay(services: readonly string[]) {
  return {
    services: Object.fromEntries(
      services.map((name) => [name, { healthcheck: { start_interval: START_INTERVAL } }]),
    ),
  };
}

/**
 * Writes the overlay when the engine has start_interval, removes it when not (an engine replaced by an
 * older one). Returns whether the file changed, i.e. whether the resolved configuration must be read again.
 */
export function writeProbesOverlay(
  root: string,
  composeFile: string,
  apiVersion: string | undefined,
): boolean {
  const file = path.join(root, PROBES_COMPOSE_FILE);
  const before = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
  if (!apiVersion || !hasStartInterval(apiVersion)) {
    if (before === undefined) return false;
    rmSync(file);
    return true;
  }
  const text = `${JSON.stringify(probesOverlay(probedServices(composeFile)), null, 2)}\n`;
  if (text === before) return false;
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
  return true;
}
