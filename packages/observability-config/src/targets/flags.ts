// The feature-flag file of each environment: the one definition (flags/flags.flagd.json) with the
// environment's declared defaults (grafana/environments.yaml, environments.<name>.flags) applied.
// Kubernetes gets it as the ConfigMap telemetry-kit-flags; compose mounts development's copy, which
// `npm run generate` writes to compose/flags/.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { generatedReadme } from '../generated-header.ts';
import { SOURCE } from '../paths.ts';
import type { DeployedEnvironment, FlagDefaults, Settings } from '../settings.ts';

/** The one flag definition, validated against flagd's schema (flags/schema). */
export const FLAG_DEFINITION = 'flags/flags.flagd.json';
/** Where development's flag file is written; compose mounts the folder (an edit there hot-reloads). */
export const DEVELOPMENT_FLAGS_DIR = 'compose/flags';
export const DEVELOPMENT_FLAGS = `${DEVELOPMENT_FLAGS_DIR}/flags.generated.json`;

interface FlagdFlag {
  variants: Record<string, unknown>;
  defaultVariant?: string | null;
  targeting?: Record<string, unknown>;
  [field: string]: unknown;
}
interface FlagdDefinition {
  flags: Record<string, FlagdFlag>;
  [field: string]: unknown;
}

/** The definition's fractional rule with the declared weights, its bucketing expression (if any) kept. */
function weighted(key: string, flag: FlagdFlag, weights: Record<string, number>): Record<string, unknown> {
  const rule = flag.targeting?.fractional;
  if (!Array.isArray(rule)) {
    throw new Error(
      `${SOURCE.settings} declares weights for ${key}, whose targeting in ${FLAG_DEFINITION} is no ` +
        'top-level fractional rule — add one there, or declare only a defaultVariant',
    );
  }
  const bucketBy = rule.filter((argument) => !Array.isArray(argument));
  return { fractional: [...bucketBy, ...Object.entries(weights)] };
}

function applyDefaults(env: string, definition: FlagdDefinition, declared: FlagDefaults): FlagdDefinition {
  const flags = { ...definition.flags };
  for (const [key, delta] of Object.entries(declared)) {
    const flag = flags[key];
    const where = `${SOURCE.settings} environments.${env}.flags.${key}`;
    if (!flag) {
      throw new Error(
        `${where}: no flag ${key} in ${FLAG_DEFINITION} (it has ${Object.keys(flags).join(', ')})`,
      );
    }
    const variants = Object.keys(flag.variants);
    const named = [
      ...(delta.defaultVariant ? [delta.defaultVariant] : []),
      ...Object.keys(delta.weights ?? {}),
    ];
    const unknown = named.filter((variant) => !variants.includes(variant));
    if (unknown.length > 0) {
      throw new Error(
        `${where}: ${unknown.join(', ')} is no variant of ${key} (it has ${variants.join(', ')})`,
      );
    }
    flags[key] = {
      ...flag,
      ...(delta.defaultVariant ? { defaultVariant: delta.defaultVariant } : {}),
      ...(delta.weights ? { targeting: weighted(key, flag, delta.weights) } : {}),
    };
  }
  return { ...definition, flags };
}

/** The JSON text of an environment's flag file: the definition with that environment's defaults applied. */
export function renderFlags(root: string, settings: Settings, env: DeployedEnvironment): string {
  const definition = JSON.parse(readFileSync(path.join(root, FLAG_DEFINITION), 'utf8')) as FlagdDefinition;
  return `${JSON.stringify(applyDefaults(env, definition, settings.environments[env].flags), null, 2)}\n`;
}

/** Development's flag file, which compose mounts, and the README saying it is generated. */
export function renderDevelopmentFlags(root: string, settings: Settings): Map<string, string> {
  return new Map([
    [DEVELOPMENT_FLAGS, renderFlags(root, settings, 'development')],
    [
      `${DEVELOPMENT_FLAGS_DIR}/README.md`,
      generatedReadme(
        'development’s feature flags (compose mounts this folder; services read FLAGS_FILE)',
        `${FLAG_DEFINITION} and ${SOURCE.settings} (environments.development.flags)`,
      ),
    ],
  ]);
}
