#!/usr/bin/env tsx
// Renders every Helm release terraform/modules/observability-stack installs, for each Kubernetes
// environment, as Terraform would install it: the module's repository and chart, the release name,
// chart version and namespace of the environment's generated tfvars, and its generated values files.
// What Terraform adds from its inputs (buckets, endpoint, credentials, Kafka) is a placeholder here.
// A key a chart's schema rejects, a required value left unset or a template error fails the run.
// GitHub workflow ci.yml, job helm (no chart can be downloaded on the project's own CI machines).
// Usage: tsx scripts/ci/helm-template.ts [--out <dir>] [environment…]
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT } from '@telemetry-kit/observability-config/paths';
import { KUBERNETES_ENVIRONMENTS } from '@telemetry-kit/observability-config/settings';
import { TFVARS_FILE } from '@telemetry-kit/observability-config/targets/terraform';
import { stringify } from 'yaml';

const { parse } = createRequire(import.meta.url)('@cdktf/hcl2json') as {
  parse(file: string, text: string): Promise<unknown>;
};

/** Stand-ins for the module's inputs that are never in git: present, well-formed, obviously not real. */
export const PLACEHOLDERS: Record<string, unknown> = {
  loki: {
    loki: {
      storage: {
        bucketNames: { chunks: 'placeholder-loki-chunks', ruler: 'placeholder-loki-ruler' },
        s3: {
          endpoint: 's3.placeholder.invalid',
          region: 'placeholder-1',
          s3ForcePathStyle: false,
          accessKeyId: 'placeholder',
          secretAccessKey: 'placeholder',
        },
      },
    },
  },
  tempo: {
    ingest: { kafka: { address: 'kafka.placeholder.invalid:9092' } },
    storage: {
      trace: {
        backend: 's3',
        s3: {
          bucket: 'placeholder-tempo',
          endpoint: 's3.placeholder.invalid',
          region: 'placeholder-1',
          forcepathstyle: false,
          access_key: 'placeholder',
          secret_key: 'placeholder',
        },
      },
    },
  },
};

export interface ModuleRelease {
  /** The module's variable that names the release (var.<variable>.release, .chart_version, .namespace). */
  variable: string;
  repository: string;
  chart: string;
  /** The generated values files it reads from the overlay folder, in order. */
  valuesFiles: string[];
  /** The value paths it sets from sensitive inputs (set_sensitive). */
  sensitive: string[];
}

interface HelmReleaseBlock {
  name: string;
  repository: string;
  chart: string;
  values?: string[];
  set_sensitive?: Array<{ name: string }>;
}

/** The helm_release resources of the module, as its HCL declares them. */
export async function moduleReleases(root = REPO_ROOT): Promise<ModuleRelease[]> {
  const file = path.join(root, 'terraform/modules/observability-stack/main.tf');
  const hcl = (await parse('main.tf', readFileSync(file, 'utf8'))) as {
    resource: { helm_release: Record<string, HelmReleaseBlock[]> };
  };
  return Object.values(hcl.resource.helm_release).map(([block]) => {
    const release = block as HelmReleaseBlock;
    const variable = /^\$\{var\.(\w+)\.release\}$/.exec(release.name)?.[1];
    if (!variable) throw new Error(`${file}: helm_release name ${release.name} is not var.<x>.release`);
    const valuesFiles = (release.values ?? []).flatMap((v) => {
      const match = /file\("\$\{var\.values_dir\}\/([^"]+)"\)/.exec(v);
      return match?.[1] ? [match[1]] : [];
    });
    const sensitive = (release.set_sensitive ?? []).map((s) => s.name);
    return { variable, repository: release.repository, chart: release.chart, valuesFiles, sensitive };
  });
}

async function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { out: { type: 'string' } },
  });
  const environments = positionals.length > 0 ? positionals : [...KUBERNETES_ENVIRONMENTS];
  const out = values.out ?? mkdtempSync(path.join(tmpdir(), 'kit-helm-'));
  mkdirSync(out, { recursive: true });
  const placeholders = mkdtempSync(path.join(tmpdir(), 'kit-helm-inputs-'));
  for (const [name, doc] of Object.entries(PLACEHOLDERS))
    writeFileSync(path.join(placeholders, `${name}.yaml`), stringify(doc));
  const releases = await moduleReleases();
  for (const env of environments) {
    const tfvars = JSON.parse(
      readFileSync(path.join(REPO_ROOT, 'terraform/environments', env, TFVARS_FILE), 'utf8'),
    ) as Record<string, { release: string; chart_version: string; namespace: string }>;
    for (const release of releases) {
      const declared = tfvars[release.variable];
      if (!declared) throw new Error(`${env}: ${TFVARS_FILE} has no ${release.variable}`);
      const files = release.valuesFiles.map((f) => path.join(REPO_ROOT, 'k8s/overlays', env, f));
      if (release.variable in PLACEHOLDERS) files.push(path.join(placeholders, `${release.variable}.yaml`));
      const args = [
        'template',
        declared.release,
        release.chart,
        '--repo',
        release.repository,
        '--version',
        declared.chart_version,
        '--namespace',
        declared.namespace,
        ...files.flatMap((f) => ['--values', f]),
      ];
      console.log(`::: ${env}: helm ${args.join(' ')}`);
      const manifests = execFileSync('helm', args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
      writeFileSync(path.join(out, `${env}-${release.chart}.yaml`), manifests);
    }
  }
  console.log(`rendered ${environments.length * releases.length} releases into ${out}`);
}

if (import.meta.main) await main();
