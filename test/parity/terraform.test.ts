import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '@telemetry-kit/observability-config/paths';
import { TFVARS_FILE } from '@telemetry-kit/observability-config/targets/terraform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const terraform = spawnSync('terraform', ['version'], { encoding: 'utf8' });
const describeWithTerraform = terraform.status === 0 ? describe : describe.skip;
const read = (file: string) => readFileSync(path.join(REPO_ROOT, file), 'utf8');
// biome-ignore lint/suspicious/noTemplateCurlyInString: Terraform's interpolation, not a template
const SCOPED_FOLDER_UID = 'uid   = "telemetry-kit-${var.environment}"';
// biome-ignore lint/suspicious/noTemplateCurlyInString: Terraform's interpolation, not a template
const SCOPED_DASHBOARD_UID = 'uid = "${each.value.uid}-${var.environment}"';

describeWithTerraform(
  'terraform/ (terraform fmt; providers cannot be downloaded here, so no init/validate)',
  () => {
    it('is formatted: terraform fmt -check -recursive passes', () => {
      const result = spawnSync('terraform', ['fmt', '-check', '-recursive', '-diff', 'terraform'], {
        cwd: REPO_ROOT,
        encoding: 'utf8',
      });
      expect(result.status, `terraform fmt -check found:\n${result.stdout}`).toBe(0);
    });
  },
);

describe('terraform/environments', () => {
  it('call the module identically: main.tf and variables.tf are the same in staging and production', () => {
    for (const file of ['main.tf', 'variables.tf']) {
      expect(read(`terraform/environments/production/${file}`), file).toBe(
        read(`terraform/environments/staging/${file}`),
      );
    }
  });

  it('differ only in the generated values: the environment, which scopes every UID', () => {
    for (const env of ['staging', 'production']) {
      const values = JSON.parse(read(`terraform/environments/${env}/${TFVARS_FILE}`)) as Record<
        string,
        unknown
      >;
      expect(values.environment).toBe(env);
    }
    const module = read('terraform/modules/grafana/main.tf');
    expect(module).toContain(SCOPED_FOLDER_UID);
    expect(module).toContain(SCOPED_DASHBOARD_UID);
  });

  it('keeps no secret and no state in the repository: no contact points, a remote backend, state ignored', () => {
    expect(read('terraform/modules/grafana/main.tf')).not.toMatch(/resource "grafana_contact_point"/);
    for (const env of ['staging', 'production']) {
      expect(read(`terraform/environments/${env}/main.tf`)).toMatch(/backend "s3" \{\}/);
    }
    for (const file of ['terraform.tfstate', 'terraform.tfstate.backup', '.terraform/providers/x']) {
      const ignored = spawnSync('git', ['check-ignore', '-q', `terraform/environments/staging/${file}`], {
        cwd: REPO_ROOT,
      });
      expect(ignored.status, `git ignores ${file}`).toBe(0);
    }
  });

  it('declare every variable the generated values set', () => {
    const values = JSON.parse(read(`terraform/environments/staging/${TFVARS_FILE}`)) as Record<
      string,
      unknown
    >;
    const declared = read('terraform/environments/staging/variables.tf');
    for (const name of Object.keys(values)) expect(declared, name).toContain(`variable "${name}"`);
  });
});

// The stack module's inputs that are not in git (object storage, its credentials, Tempo's Kafka), checked
// by Terraform itself: its variables alone need no provider, so `terraform plan` runs them here.
describeWithTerraform(
  'terraform/modules/observability-stack inputs (terraform plan of its variables)',
  () => {
    const secret = 'do-not-print-this-secret';
    const release = '{ release = "r", chart_version = "1.0.0", namespace = "monitoring" }';
    const good: Record<string, string> = {
      values_dir: 'k8s/overlays/staging',
      kube_prometheus_stack: release,
      alloy: release,
      loki: release,
      tempo: release,
      object_storage:
        '{ endpoint = "s3.eu-west-1.amazonaws.com", region = "eu-west-1", buckets = { loki_chunks = "c", loki_ruler = "r", tempo = "t" } }',
      object_storage_credentials: `{ access_key_id = "AKIAEXAMPLE", secret_access_key = "${secret}" }`,
      tempo_kafka_address: 'kafka.kafka:9092',
    };
    let dir = '';
    beforeAll(() => {
      dir = mkdtempSync(path.join(tmpdir(), 'kit-tf-inputs-'));
      copyFileSync(
        path.join(REPO_ROOT, 'terraform/modules/observability-stack/variables.tf'),
        path.join(dir, 'variables.tf'),
      );
      const init = spawnSync('terraform', ['init', '-backend=false', '-input=false', '-no-color'], {
        cwd: dir,
        encoding: 'utf8',
      });
      expect(init.status, init.stderr).toBe(0);
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    const plan = (inputs: Record<string, string>) => {
      const env = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [`TF_VAR_${k}`, v]));
      const result = spawnSync('terraform', ['plan', '-input=false', '-no-color'], {
        cwd: dir,
        encoding: 'utf8',
        env: { ...process.env, ...env, TF_IN_AUTOMATION: '1' },
      });
      return { status: result.status, output: `${result.stdout}${result.stderr}` };
    };

    it('accepts an endpoint, three buckets, an access key and a Kafka address', () => {
      const result = plan(good);
      expect(result.status, result.output).toBe(0);
    });

    it('names each bad input, and never prints the secret key', () => {
      const result = plan({
        ...good,
        object_storage:
          '{ endpoint = "https://minio:9000", region = "r", buckets = { loki_chunks = "a", loki_ruler = "a", tempo = "t" } }',
        object_storage_credentials: `{ access_key_id = "", secret_access_key = "${secret}" }`,
        tempo_kafka_address: 'kafka',
      });
      expect(result.status).toBe(1);
      expect(result.output).toContain('object_storage.endpoint is a host[:port] without a scheme');
      expect(result.output).toContain('object_storage.buckets names three different');
      expect(result.output).toContain(
        'object_storage_credentials needs both access_key_id and secret_access_key',
      );
      expect(result.output).toContain('tempo_kafka_address is host:port');
      expect(result.output).not.toContain(secret);
    });

    it('refuses to run without credentials', () => {
      const { object_storage_credentials: _missing, ...rest } = good;
      const result = plan(rest);
      expect(result.status).toBe(1);
      expect(result.output).toMatch(/No value for required variable[\s\S]*object_storage_credentials/);
    });
  },
);
