import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The pin file: one `NAME=image:tag` line per third-party image. The installed package carries a copy
 * beside this module (dist/images.env, written by build.ts); in the repository it is images.env at the root.
 */
const SHIPPED_PIN_FILE = fileURLToPath(new URL('./images.env', import.meta.url));
export const PIN_FILE = existsSync(SHIPPED_PIN_FILE)
  ? SHIPPED_PIN_FILE
  : fileURLToPath(new URL('../../../images.env', import.meta.url));

export type ImageKey = string;

/** Parses the pin file's `KEY=value` lines; comments and blank lines are ignored. */
export function parsePinFile(text: string, source = PIN_FILE): Map<ImageKey, string> {
  const pins = new Map<ImageKey, string>();
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const match = /^([A-Z][A-Z0-9_]*_IMAGE)=(\S+)$/.exec(line);
    if (!match?.[1] || !match[2]) {
      throw new Error(`${source}:${index + 1}: expected NAME_IMAGE=registry/image:tag, got "${line}"`);
    }
    pins.set(match[1], match[2]);
  });
  return pins;
}

let cachedPins: Map<ImageKey, string> | undefined;

export function imagePins(): Map<ImageKey, string> {
  cachedPins ??= parsePinFile(readFileSync(PIN_FILE, 'utf8'));
  return cachedPins;
}

/** The image to run for `key`: the environment variable of that name if set, else the pin. */
export function resolveImage(key: ImageKey, env: NodeJS.ProcessEnv = process.env): string {
  const override = env[key]?.trim();
  if (override) return override;
  const pinned = imagePins().get(key);
  if (!pinned) {
    throw new Error(`No image pinned as ${key} in ${PIN_FILE} — add a line ${key}=registry/image:tag`);
  }
  return pinned;
}

/** Every pinned image, resolved through the environment: handy as Docker build arguments. */
export function resolvedImages(env: NodeJS.ProcessEnv = process.env): Record<ImageKey, string> {
  return Object.fromEntries([...imagePins().keys()].map((key) => [key, resolveImage(key, env)]));
}

/**
 * Images CI builds as local stand-ins (scripts/ci/standins.sh) because it has no registry.
 * Under CI=true a missing one of these is a failure; the others (Grafana, Loki, Tempo, Alloy)
 * cannot be made locally, so tests needing them skip with a line naming them.
 */
export const LOCALLY_BUILDABLE: ReadonlySet<ImageKey> = new Set([
  'DEBIAN_IMAGE',
  'NODE_IMAGE',
  'POSTGRES_IMAGE',
  'PROMETHEUS_IMAGE',
  'ALERTMANAGER_IMAGE',
  'NODE_EXPORTER_IMAGE',
]);
