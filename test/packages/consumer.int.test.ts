// The two libraries as a team outside this repository gets them: `npm pack`ed, installed from the
// tarballs into a fresh project in a temporary folder (plain npm, its own package.json, nothing resolved
// from this repository), type-checked with tsc under moduleResolution nodenext and bundler, and used in
// that project's own vitest run: a tiny service started with `--import @telemetry-kit/telemetry/register`,
// its trace and log line asserted through TelemetrySink, its metric through a PrometheusContainer. On
// every Node major the engines field claims. The install is offline, from the npm cache `npm test`
// fills first (scripts/packages/consumer-prerequisites.ts).
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describeWithContainers } from '@telemetry-kit/testkit/vitest';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  CONSUMER_CACHE,
  CONSUMER_TEMPLATE,
  claimedNodes,
  consumerManifest,
  nodeBinary,
  PUBLISHED,
  REPO_ROOT,
} from '../../scripts/lib/packages/consumer.ts';

const exec = promisify(execFile);
const PREREQUISITES = 'node scripts/packages/consumer-prerequisites.ts';

/** This process' Node for its own major, the toolchain's for the others. */
const nodeFor = (major: number) =>
  Number(process.versions.node.split('.')[0]) === major ? process.execPath : nodeBinary(major);

const majors = claimedNodes().map((node) => node.major);
const absent = [
  ...majors.filter((major) => !existsSync(nodeFor(major))).map((major) => `Node ${major}`),
  ...(existsSync(path.join(CONSUMER_CACHE, 'manifest.sha256')) ? [] : ['the consumer npm cache']),
];
const missing = absent.length > 0 ? `${absent.join(' and ')} missing: run ${PREREQUISITES}` : undefined;
if (missing && process.env.CI === 'true') throw new Error(missing);
if (missing) console.log(`consumer test skipped: ${missing}`);

/** An environment without this repository in it: no NODE_PATH, no loader flags, the chosen Node first. */
function consumerEnv(node: string, major: number): NodeJS.ProcessEnv {
  const {
    NODE_PATH: _path,
    NODE_OPTIONS: _options,
    VITEST: _v,
    VITEST_POOL_ID: _p,
    VITEST_WORKER_ID: _w,
    ...env
  } = process.env;
  const bin = (process.env.PATH ?? '').split(path.delimiter).filter((dir) => !dir.startsWith(REPO_ROOT));
  return {
    ...env,
    PATH: [path.dirname(node), ...bin].join(path.delimiter),
    EXPECTED_NODE_MAJOR: String(major),
    npm_config_cache: CONSUMER_CACHE,
  };
}

describeWithContainers(
  'the published libraries, installed in a project outside this repository',
  { images: ['PROMETHEUS_IMAGE'] },
  () => {
    const work = mkdtempSync(path.join(tmpdir(), 'kit-consumer-'));
    const tarballs: Record<string, string> = {};

    beforeAll(async () => {
      for (const dir of PUBLISHED) {
        const { stdout } = await exec(
          'npm',
          ['pack', '--json', '--pack-destination', work, '--workspace', dir],
          { cwd: REPO_ROOT, maxBuffer: 64 * 1024 * 1024 },
        );
        const [packed] = JSON.parse(stdout) as Array<{ name: string; filename: string }>;
        if (!packed) throw new Error(`npm pack --workspace ${dir} packed nothing`);
        tarballs[packed.name] = path.join(work, packed.filename);
      }
    }, 300_000);

    afterAll(() => rmSync(work, { recursive: true, force: true }));

    it('packs only the built files, each manifest naming what it needs', async () => {
      for (const [name, tarball] of Object.entries(tarballs)) {
        const { stdout } = await exec('tar', ['-tzf', tarball]);
        const files = stdout.trim().split('\n');
        expect(files, name).toContain('package/README.md');
        expect(files, name).toContain('package/dist/LICENSE');
        expect(
          files.filter((f) => f.startsWith('package/src/')),
          name,
        ).toEqual([]);
        expect(
          files.some((f) => f.startsWith('package/dist/') && f.endsWith('.d.ts')),
          name,
        ).toBe(true);
      }
    });

    it.skipIf(missing !== undefined).each(majors)(
      'Node %i: installs the tarballs offline, type-checks (nodenext, bundler) and passes its own vitest run',
      async (major) => {
        const node = nodeFor(major);
        const project = path.join(work, `node-${major}`);
        cpSync(CONSUMER_TEMPLATE, project, { recursive: true });
        writeFileSync(
          path.join(project, 'package.json'),
          JSON.stringify(consumerManifest(tarballs), null, 2),
        );
        const env = consumerEnv(node, major);
        const run = (file: string, args: string[]) =>
          exec(file, args, { cwd: project, env, maxBuffer: 64 * 1024 * 1024 }).catch((error) => {
            const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
            throw new Error(
              `${path.basename(file)} ${args.join(' ')} failed in ${project}:\n${stdout}\n${stderr}`,
            );
          });

        await run('npm', ['install', '--offline', '--no-audit', '--no-fund', '--loglevel=error']);
        expect(readdirSync(path.join(project, 'node_modules/@telemetry-kit')).sort()).toEqual([
          'telemetry',
          'testkit',
        ]);

        const tsc = path.join(project, 'node_modules/typescript/bin/tsc');
        for (const config of ['tsconfig.nodenext.json', 'tsconfig.bundler.json']) {
          await run(node, [tsc, '-p', config]);
        }

        const vitest = path.join(project, 'node_modules/vitest/vitest.mjs');
        await run(node, [
          vitest,
          'run',
          '--reporter=json',
          '--outputFile=results.json',
          '--testTimeout=120000',
          '--hookTimeout=300000',
        ]);
        const results = JSON.parse(readFileSync(path.join(project, 'results.json'), 'utf8')) as {
          testResults: Array<{ assertionResults: Array<{ title: string; status: string }> }>;
        };
        const outcomes = results.testResults.flatMap((file) =>
          file.assertionResults.map((a) => [a.title, a.status]),
        );
        expect(outcomes).toEqual([
          ['runs on the Node it was started with, with the libraries from its own node_modules', 'passed'],
          ["asserts the service's trace, log line and metric", 'passed'],
        ]);
      },
      900_000,
    );
  },
);
