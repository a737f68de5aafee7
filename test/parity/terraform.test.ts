import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '@telemetry-kit/observability-config/paths';
import { TFVARS_FILE } from '@telemetry-kit/observability-config/targets/terraform';
import { describe, expect, it } from 'vitest';

const terraform = spawnSync('terraform', ['version'], { encoding: 'utf8' });
const describeWithTerraform = terraform.status === 0 ? describe : describe.skip;
const read = (file: string) => readFileSync(path.join(REPO_ROOT, file), 'utf8');

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

  it('differ only in the generated values, which carry the receivers of grafana/environments.yaml', () => {
    const staging = JSON.parse(read(`terraform/environments/staging/${TFVARS_FILE}`)) as {
      receivers: { name: string }[];
    };
    const production = JSON.parse(read(`terraform/environments/production/${TFVARS_FILE}`)) as {
      receivers: { name: string }[];
    };
    expect(staging.receivers.map((r) => r.name)).toEqual(['team-slack']);
    expect(production.receivers.map((r) => r.name)).toEqual(['oncall-pagerduty', 'team-slack']);
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
