import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '@telemetry-kit/observability-config/paths';
import { TFVARS_FILE } from '@telemetry-kit/observability-config/targets/terraform';
import { describe, expect, it } from 'vitest';

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
