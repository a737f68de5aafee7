import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildInputsHash } from '../build-inputs.ts';
import { serviceBuildInputs } from './workspace.ts';

const FIXTURE = path.join(import.meta.dirname, '../../test/fixtures/workspace');
const copies: string[] = [];
afterEach(() => {
  for (const dir of copies.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function copyOfFixture(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'testkit-workspace-'));
  cpSync(FIXTURE, dir, { recursive: true });
  copies.push(dir);
  return dir;
}

async function hashOf(root: string): Promise<string> {
  return buildInputsHash(
    {
      name: 'echo',
      context: root,
      dockerfile: 'services/echo/Dockerfile',
      inputs: serviceBuildInputs(root, 'echo'),
    },
    { NODE_IMAGE: 'node:24' },
  );
}

describe('a service image’s build inputs', () => {
  it('are the root manifests, the service and the workspace packages it depends on', () => {
    expect(serviceBuildInputs(FIXTURE, 'echo')).toEqual([
      'package.json',
      '.dockerignore',
      'packages/greeting',
      'services/echo',
    ]);
  });

  it('change the image hash when a package the service imports changes', async () => {
    const root = copyOfFixture();
    const before = await hashOf(root);
    writeFileSync(
      path.join(root, 'packages/greeting/index.mjs'),
      "export const greeting = (n) => 'hi, ' + n;\n",
    );
    expect(await hashOf(root)).not.toBe(before);
  });

  it('leave the hash alone when a package the service does not import changes', async () => {
    const root = copyOfFixture();
    const before = await hashOf(root);
    writeFileSync(path.join(root, 'packages/unrelated/index.mjs'), 'export const x = 1;\n');
    expect(await hashOf(root)).toBe(before);
  });

  it("change the hash when a package's bundle is rebuilt from other sources, not with its other files", async () => {
    const root = copyOfFixture();
    const dist = path.join(root, 'packages/greeting/dist');
    mkdirSync(dist);
    writeFileSync(path.join(dist, 'source-hash'), 'built from sources A\n');
    writeFileSync(path.join(dist, 'index.mjs'), '// bundle A\n');
    const before = await hashOf(root);
    writeFileSync(path.join(dist, 'index.mjs.map'), '{}\n');
    expect(await hashOf(root)).toBe(before);
    writeFileSync(path.join(dist, 'source-hash'), 'built from sources B\n');
    expect(await hashOf(root)).not.toBe(before);
  });

  it('name the missing folder for a service that does not exist', () => {
    expect(() => serviceBuildInputs(FIXTURE, 'nope')).toThrow(/is "nope" a folder under services\//);
  });
});
