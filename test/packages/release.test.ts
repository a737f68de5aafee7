// Versioning and release of the two libraries: changesets writes their versions and changelogs (run
// here on a copy of the workspace's manifests), and a release tag publishes exactly the library it names.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PUBLISHED, REPO_ROOT } from '../../scripts/lib/packages/consumer.ts';
import { publishPlan } from '../../scripts/packages/publish-tag.ts';

interface Manifest {
  name: string;
  version: string;
  private?: boolean;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}
const read = (root: string, dir: string) =>
  JSON.parse(readFileSync(path.join(root, dir, 'package.json'), 'utf8')) as Manifest;
const workspaces = ['packages', 'services'].flatMap((parent) =>
  readdirSync(path.join(REPO_ROOT, parent), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => `${parent}/${entry.name}`),
);

describe('versioning with changesets', () => {
  const copy = mkdtempSync(path.join(tmpdir(), 'kit-changesets-'));
  afterAll(() => rmSync(copy, { recursive: true, force: true }));

  it('publishes only the two libraries: every other workspace is private', () => {
    const publishable = workspaces.filter((dir) => !read(REPO_ROOT, dir).private);
    expect(publishable.sort()).toEqual([...PUBLISHED].sort());
    for (const dir of PUBLISHED) expect(read(REPO_ROOT, dir).version).toMatch(/^0\.\d+\.\d+$/);
  });

  it('versions the libraries from the pending changesets, writes their changelogs and moves the dependents along', () => {
    for (const file of ['package.json', 'package-lock.json', '.changeset']) {
      cpSync(path.join(REPO_ROOT, file), path.join(copy, file), { recursive: true });
    }
    for (const dir of workspaces) {
      mkdirSync(path.join(copy, dir), { recursive: true });
      cpSync(path.join(REPO_ROOT, dir, 'package.json'), path.join(copy, dir, 'package.json'));
    }
    const pending = readdirSync(path.join(REPO_ROOT, '.changeset')).filter(
      (f) => f.endsWith('.md') && f !== 'README.md',
    );
    expect(pending.length, 'a pending changeset (the first release)').toBeGreaterThan(0);
    const cli = path.join(REPO_ROOT, 'node_modules/@changesets/cli/bin.js');
    execFileSync(process.execPath, [cli, 'version'], { cwd: copy, stdio: 'pipe' });

    for (const dir of PUBLISHED) {
      const before = read(REPO_ROOT, dir);
      const after = read(copy, dir);
      expect(after.version, dir).not.toBe(before.version);
      const changelog = readFileSync(path.join(copy, dir, 'CHANGELOG.md'), 'utf8');
      expect(changelog).toContain(`# ${before.name}`);
      expect(changelog).toContain(`## ${after.version}`);
      // Every workspace that depends on the library now asks for the new version.
      for (const other of workspaces) {
        const manifest = read(copy, other);
        const range = manifest.dependencies?.[before.name] ?? manifest.devDependencies?.[before.name];
        if (range) expect(range, `${other} → ${before.name}`).toBe(`^${after.version}`);
      }
    }
    for (const dir of workspaces.filter((d) => !(PUBLISHED as readonly string[]).includes(d))) {
      expect(read(copy, dir).version, `${dir} is private and keeps its version`).toBe(
        read(REPO_ROOT, dir).version,
      );
    }
    expect(
      readdirSync(path.join(copy, '.changeset')).filter((f) => f.endsWith('.md') && f !== 'README.md'),
    ).toEqual([]);
  });
});

describe('publishing a release tag', () => {
  const telemetry = read(REPO_ROOT, 'packages/telemetry');

  it('publishes the library the tag names, with provenance', () => {
    expect(publishPlan(`${telemetry.name}@${telemetry.version}`)).toEqual({
      workspace: 'packages/telemetry',
      argv: ['publish', '--workspace', 'packages/telemetry', '--access', 'public', '--provenance'],
    });
  });

  it('refuses a tag whose version is not the one in the manifest, a package that is not published, and no tag at all', () => {
    expect(() => publishPlan(`${telemetry.name}@9.9.9`)).toThrow(/is at .*, not 9\.9\.9/);
    expect(() => publishPlan('@telemetry-kit/gateway@0.1.0')).toThrow(/not one of the published libraries/);
    expect(() => publishPlan('v1.0.0')).toThrow(/not a release tag/);
  });
});
