import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

/** Helpers for the static checks of compose/: the files as written, before compose interpolates them. */
export const root = path.resolve(import.meta.dirname, '../..');

export interface ComposeServiceSource {
  profiles?: string[];
  image?: string;
  build?: { context: string; dockerfile: string; target?: string; args?: Record<string, string> };
  ports?: string[];
  volumes?: string[];
  healthcheck?: { test?: string[]; disable?: boolean };
  depends_on?: Record<string, { condition: string }>;
  deploy?: { resources?: { limits?: { memory?: string } } };
  restart?: string;
}

export function composeSource(file = 'compose/compose.yaml'): {
  services: Record<string, ComposeServiceSource>;
  volumes: Record<string, unknown>;
} {
  // merge: true resolves the `<<:` anchors the file uses for the services' shared blocks.
  return parse(readFileSync(path.join(root, file), 'utf8'), { merge: true });
}

/** `127.0.0.1:${GRAFANA_PORT:-3001}:3000` → host IP, variable, default host port, container port. */
export function parsePortMapping(spec: string) {
  const match = /^(?<ip>[\d.]+):\$\{(?<variable>[A-Z_]+):-(?<port>\d+)\}:(?<target>\d+)$/.exec(spec);
  if (!match?.groups) return undefined;
  const { ip, variable, port, target } = match.groups as Record<string, string>;
  return { hostIp: ip, variable, hostPort: Number(port), containerPort: Number(target) };
}

export function composePublishedPorts() {
  return Object.entries(composeSource().services).flatMap(([service, spec]) =>
    (spec.ports ?? []).map((port) => ({ service, spec: port, ...parsePortMapping(port) })),
  );
}
