// Validators built from CRDs copied unchanged from upstream (README.md in crds/): the API server's schema
// for each served version, with unknown fields rejected as `kubectl apply --validate=strict` does.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '@telemetry-kit/observability-config/paths';
import { Ajv } from 'ajv';
import { parse } from 'yaml';

const CRDS = path.join(REPO_ROOT, 'test/k8s/crds');

export type Schema = Record<string, unknown>;

/** Unknown fields are errors unless the schema preserves them (the API server's strict field validation). */
export function strict(schema: Schema): Schema {
  const copy: Schema = { ...schema };
  for (const key of ['items', 'additionalProperties', 'not']) {
    if (copy[key] && typeof copy[key] === 'object') copy[key] = strict(copy[key] as Schema);
  }
  for (const key of ['allOf', 'anyOf', 'oneOf']) {
    if (Array.isArray(copy[key])) copy[key] = (copy[key] as Schema[]).map(strict);
  }
  if (copy.properties) {
    copy.properties = Object.fromEntries(
      Object.entries(copy.properties as Record<string, Schema>).map(([k, v]) => [k, strict(v)]),
    );
    if (copy.additionalProperties === undefined && !copy['x-kubernetes-preserve-unknown-fields']) {
      copy.additionalProperties = false;
    }
  }
  return copy;
}

/** apiVersion/kind → a validator of the CRD's served version, from the vendored upstream files. */
export function crdValidators(folders: string[]) {
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  const validators = new Map<string, ReturnType<Ajv['compile']>>();
  for (const folder of folders) {
    const dir = path.join(CRDS, folder);
    const files = (() => {
      try {
        return readdirSync(dir);
      } catch {
        throw new Error(
          `${dir} is missing: copy the CRDs of that version from upstream (test/k8s/crds/README.md)`,
        );
      }
    })();
    for (const file of files) {
      const crd = parse(readFileSync(path.join(dir, file), 'utf8')) as {
        spec: {
          group: string;
          names: { kind: string };
          versions: Array<{ name: string; served: boolean; schema: { openAPIV3Schema: Schema } }>;
        };
      };
      for (const version of crd.spec.versions.filter((v) => v.served)) {
        const schema = strict(version.schema.openAPIV3Schema);
        // apiVersion, kind and metadata are the API server's, not the CRD's.
        (schema.properties as Record<string, Schema>).metadata = { type: 'object' };
        validators.set(`${crd.spec.group}/${version.name}/${crd.spec.names.kind}`, ajv.compile(schema));
      }
    }
  }
  return validators;
}
