// Every resource the Terraform code declares, and every argument it sets, checked against the schema
// the pinned provider documents (test/parity/fixtures/terraform-provider-schemas.json names the tag and
// files it was read from). The HCL is parsed with HashiCorp's own parser (@cdktf/hcl2json, hcl2 in
// WebAssembly). Providers cannot be downloaded here; the GitHub workflow's terraform job validates with them.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { REPO_ROOT } from '@telemetry-kit/observability-config/paths';
import { describe, expect, it } from 'vitest';

// Loaded without its type declarations, which pull the DOM library into the whole program.
const { parse } = createRequire(import.meta.url)('@cdktf/hcl2json') as {
  parse(file: string, text: string): Promise<unknown>;
};

interface ResourceSchema {
  required: string[];
  optional: string[];
}
const fixture = JSON.parse(
  readFileSync(path.join(import.meta.dirname, 'fixtures/terraform-provider-schemas.json'), 'utf8'),
) as {
  providers: Record<string, { source: string; version: string; resources: Record<string, ResourceSchema> }>;
};
const schemas: Record<string, ResourceSchema> = Object.assign(
  {},
  ...Object.values(fixture.providers).map((p) => p.resources),
);
/** Terraform's own arguments, valid on every resource. */
const META = new Set(['count', 'for_each', 'depends_on', 'lifecycle', 'provider']);

type Hcl = {
  resource?: Record<string, Record<string, Array<Record<string, unknown>>>>;
  module?: Record<string, Array<Record<string, unknown>>>;
  variable?: Record<string, unknown>;
  terraform?: Array<{ required_providers?: Array<Record<string, { source: string; version: string }>> }>;
};

async function parseDir(dir: string): Promise<Hcl[]> {
  const files = readdirSync(path.join(REPO_ROOT, dir)).filter((f) => f.endsWith('.tf'));
  return Promise.all(
    files.map(
      async (file) => (await parse(file, readFileSync(path.join(REPO_ROOT, dir, file), 'utf8'))) as Hcl,
    ),
  );
}

// biome-ignore lint/suspicious/noTemplateCurlyInString: Terraform's interpolation, not a template
const PATH_ROOT = '${path.root}';
// biome-ignore lint/suspicious/noTemplateCurlyInString: Terraform's interpolation, not a template
const VAR_ENVIRONMENT = '${var.environment}';
const ENVIRONMENT_ROOTS = ['terraform/environments/staging', 'terraform/environments/production'];
const ROOTS = ['terraform/modules/grafana', 'terraform/modules/observability-stack', ...ENVIRONMENT_ROOTS];

describe('terraform/ against the providers’ documented schemas', () => {
  it('declares only documented resources, with documented arguments, every required one set', async () => {
    let checked = 0;
    for (const dir of ROOTS) {
      for (const hcl of await parseDir(dir)) {
        for (const [type, blocks] of Object.entries(hcl.resource ?? {})) {
          const schema = schemas[type];
          expect(schema, `${dir}: resource ${type} is not in the provider schema fixture`).toBeDefined();
          for (const [name, [body]] of Object.entries(blocks)) {
            const args = Object.keys(body ?? {}).filter((a) => !META.has(a));
            const known = new Set([...(schema?.required ?? []), ...(schema?.optional ?? [])]);
            expect(
              args.filter((a) => !known.has(a)),
              `${dir}: ${type}.${name} sets undocumented arguments`,
            ).toEqual([]);
            expect(
              (schema?.required ?? []).filter((a) => !args.includes(a)),
              `${type}.${name} lacks`,
            ).toEqual([]);
            checked++;
          }
        }
      }
    }
    expect(checked, 'resources checked').toBeGreaterThanOrEqual(2);
  });

  it('catches an argument the provider does not have (the check is live)', async () => {
    const hcl = (await parse('x.tf', 'resource "grafana_folder" "x" {\n  name = "a"\n}\n')) as Hcl;
    const body = hcl.resource?.grafana_folder?.x?.[0] ?? {};
    const known = new Set([
      ...(schemas.grafana_folder?.required ?? []),
      ...(schemas.grafana_folder?.optional ?? []),
    ]);
    expect(Object.keys(body).filter((a) => !known.has(a))).toEqual(['name']);
  });

  it('pins each provider to the major whose schema the fixture holds', async () => {
    for (const dir of ENVIRONMENT_ROOTS) {
      const providers = (await parseDir(dir)).flatMap((hcl) =>
        (hcl.terraform ?? []).flatMap((t) => (t.required_providers ?? []).flatMap((p) => Object.entries(p))),
      );
      expect(providers.length, dir).toBeGreaterThan(0);
      for (const [name, { source, version }] of providers) {
        const documented = fixture.providers[name];
        expect(source).toBe(documented?.source);
        expect(version, `${dir}: ${name}`).toBe(`~> ${documented?.version.split('.')[0]}.0`);
      }
    }
  });

  it('calls each module with exactly the variables it declares', async () => {
    for (const dir of ENVIRONMENT_ROOTS) {
      const calls = (await parseDir(dir)).flatMap((hcl) => Object.values(hcl.module ?? {}).flat());
      expect(calls.length, dir).toBe(2);
      for (const call of calls) {
        const source = path.join(dir, String(call.source));
        const declared = (await parseDir(source)).flatMap((hcl) => Object.keys(hcl.variable ?? {}));
        const args = Object.keys(call).filter((a) => a !== 'source');
        expect(args.sort(), `${dir} → ${source}`).toEqual(declared.sort());
      }
    }
  });

  it("gives the stack module each environment's generated values files", async () => {
    for (const dir of ENVIRONMENT_ROOTS) {
      const env = path.basename(dir);
      const calls = (await parseDir(dir)).flatMap((hcl) => Object.values(hcl.module ?? {}).flat());
      const stack = calls.find((call) => String(call.source).endsWith('observability-stack'));
      const valuesDir = String(stack?.values_dir).replace(PATH_ROOT, dir).replace(VAR_ENVIRONMENT, env);
      const module = readFileSync(
        path.join(REPO_ROOT, 'terraform/modules/observability-stack/main.tf'),
        'utf8',
      );
      const read = [...module.matchAll(/file\("\$\{var\.values_dir\}\/([^"]+)"\)/g)].map((m) => m[1] ?? '');
      expect(read).toEqual([
        'kube-prometheus-stack.values.yaml',
        'alloy.values.yaml',
        'loki.values.yaml',
        'tempo.values.yaml',
      ]);
      for (const file of read) {
        expect(existsSync(path.join(REPO_ROOT, valuesDir, file)), `${dir}: ${valuesDir}/${file}`).toBe(true);
      }
    }
  });
});
