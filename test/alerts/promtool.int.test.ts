// promtool, from PROMETHEUS_IMAGE (the image the kit runs, so the same rule parser), checks every rule
// file as written and as each environment renders it, and runs the unit tests in grafana/alerts/tests.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, SOURCE, TARGET } from '@telemetry-kit/observability-config/paths';
import { loadRuleFiles, renderRuleGroups } from '@telemetry-kit/observability-config/rules';
import { loadSettings } from '@telemetry-kit/observability-config/settings';
import { yamlDocument } from '@telemetry-kit/observability-config/targets/compose';
import { resolveImage } from '@telemetry-kit/testkit';
import { describeWithContainers } from '@telemetry-kit/testkit/vitest';
import type { StartedTestContainer } from 'testcontainers';
import { GenericContainer } from 'testcontainers';
import { afterAll, beforeAll, expect, it } from 'vitest';

const ENVIRONMENTS = ['development', 'staging', 'production', 'test'] as const;

describeWithContainers(
  'promtool check rules and promtool test rules',
  { images: ['PROMETHEUS_IMAGE'] },
  () => {
    let promtool: StartedTestContainer;

    beforeAll(async () => {
      const settings = loadSettings(REPO_ROOT);
      const rendered = ENVIRONMENTS.flatMap((env) =>
        loadRuleFiles(REPO_ROOT).map((f) => ({
          content: yamlDocument({ groups: renderRuleGroups(f.groups, settings, env) }),
          target: `/work/rendered/${env}/${f.file}`,
        })),
      );
      promtool = await new GenericContainer(resolveImage('PROMETHEUS_IMAGE'))
        .withEntrypoint(['sleep'])
        .withCommand(['3600'])
        .withCopyDirectoriesToContainer([
          { source: path.join(REPO_ROOT, SOURCE.alerts), target: '/work/grafana/alerts' },
          { source: path.join(REPO_ROOT, TARGET.composeRules), target: '/work/compose-rules' },
        ])
        .withCopyContentToContainer([
          ...rendered,
          {
            // A test that must fail: proves a failing promtool test fails this suite.
            content: [
              'rule_files: [../availability.yml]',
              'evaluation_interval: 1m',
              'tests:',
              '  - interval: 1m',
              '    input_series:',
              '      - series: \'up{job="gateway", instance="gateway:8080"}\'',
              "        values: '1 1 1 1 1'",
              '    alert_rule_test:',
              '      - eval_time: 4m',
              '        alertname: ServiceDown',
              '        exp_alerts: [{ exp_labels: { severity: critical, job: gateway, instance: "gateway:8080" } }]',
            ].join('\n'),
            target: '/work/grafana/alerts/tests/must-fail.test.yml',
          },
        ])
        .start();
    });

    afterAll(async () => {
      await promtool?.stop();
    });

    const run = (args: string[], workingDir = '/work') =>
      promtool.exec(['/bin/promtool', ...args], { workingDir });
    const ruleFiles = readdirSync(path.join(REPO_ROOT, SOURCE.alerts)).filter((f) => f.endsWith('.yml'));
    const testFiles = readdirSync(path.join(REPO_ROOT, SOURCE.alertTests)).filter((f) =>
      f.endsWith('.test.yml'),
    );

    it('accepts the rule files in grafana/alerts', async () => {
      const result = await run(['check', 'rules', ...ruleFiles.map((f) => `grafana/alerts/${f}`)]);
      expect(result.exitCode, result.output).toBe(0);
    });

    it('accepts the generated compose rule files', async () => {
      const result = await run(['check', 'rules', ...ruleFiles.map((f) => `compose-rules/${f}`)]);
      expect(result.exitCode, result.output).toBe(0);
    });

    it.each(ENVIRONMENTS)('accepts the rules as the %s environment renders them', async (env) => {
      const result = await run(['check', 'rules', ...ruleFiles.map((f) => `rendered/${env}/${f}`)]);
      expect(result.exitCode, result.output).toBe(0);
    });

    it('passes every unit test in grafana/alerts/tests (each rule firing and not firing)', async () => {
      // promtool 3 prints one SUCCESS per file and no file names; its JUnit report names each file.
      const result = await run(
        ['test', 'rules', '--junit=/tmp/promtool-junit.xml', ...testFiles],
        '/work/grafana/alerts/tests',
      );
      expect(result.exitCode, result.output).toBe(0);
      const junit = (await promtool.exec(['cat', '/tmp/promtool-junit.xml'])).output;
      for (const file of testFiles) {
        const suite = new RegExp(
          `<testsuite name="${file.replaceAll('.', '\\.')}" tests="([1-9]\\d*)" failures="0"`,
        );
        expect(junit, `${file} ran no test or had failures`).toMatch(suite);
      }
    });

    it('fails on a test whose expectation is wrong, so a broken rule cannot pass unnoticed', async () => {
      const result = await run(['test', 'rules', 'must-fail.test.yml'], '/work/grafana/alerts/tests');
      expect(result.exitCode).not.toBe(0);
      expect(result.output).toContain('FAILED');
    });
  },
);
