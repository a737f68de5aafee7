// Publishes the library a release tag names, as .github/workflows/release.yml runs it on a pushed tag
// (`npx changeset git-tag` writes tags such as @telemetry-kit/testkit@0.1.0): the workspace is found by
// the package's name, its version must be the tag's, and npm publishes it with provenance (the build
// runs in its prepack). Usage: node scripts/packages/publish-tag.ts <tag> [--dry-run]
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PUBLISHED, REPO_ROOT } from '../lib/packages/consumer.ts';

export interface PublishPlan {
  workspace: string;
  argv: string[];
}

export function publishPlan(tag: string, options: { dryRun?: boolean } = {}): PublishPlan {
  const match = /^(@[a-z0-9-]+\/[a-z0-9-]+)@(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)$/.exec(tag);
  if (!match) throw new Error(`"${tag}" is not a release tag such as @telemetry-kit/testkit@0.1.0`);
  const [, name, version] = match;
  const manifests = PUBLISHED.map((dir) => ({
    dir,
    ...(JSON.parse(readFileSync(path.join(REPO_ROOT, dir, 'package.json'), 'utf8')) as {
      name: string;
      version: string;
    }),
  }));
  const manifest = manifests.find((m) => m.name === name);
  if (!manifest)
    throw new Error(`${tag}: ${name} is not one of the published libraries (${PUBLISHED.join(', ')})`);
  const workspace = manifest.dir;
  if (manifest.version !== version) {
    throw new Error(
      `${tag}: ${workspace}/package.json is at ${manifest.version}, not ${version} — tag the commit that versioned it`,
    );
  }
  return {
    workspace,
    argv: [
      'publish',
      '--workspace',
      workspace,
      '--access',
      'public',
      ...(options.dryRun ? ['--dry-run'] : ['--provenance']),
      ...(version?.includes('-') ? ['--tag', 'next'] : []),
    ],
  };
}

if (import.meta.main) {
  const [tag] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  if (!tag) {
    console.error('usage: node scripts/packages/publish-tag.ts <tag> [--dry-run]');
    process.exit(2);
  }
  try {
    const plan = publishPlan(tag, { dryRun: process.argv.includes('--dry-run') });
    console.log(`npm ${plan.argv.join(' ')}`);
    execFileSync('npm', plan.argv, { cwd: REPO_ROOT, stdio: 'inherit' });
  } catch (error) {
    console.error((error as Error).message);
    process.exit(1);
  }
}
