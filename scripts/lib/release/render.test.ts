import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadSettings } from '@telemetry-kit/observability-config/settings';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { releaseImages, renderRelease } from './render.ts';

const root = path.resolve(import.meta.dirname, '../../..');
const registry = loadSettings(root).kubernetes.imageRegistry;
const SHA = '0123456789abcdef0123456789abcdef01234567';
const overlay = (env: string) =>
  execFileSync('kubectl', ['kustomize', path.join(root, 'k8s/overlays', env)], { encoding: 'utf8' });
const digestOf = (service: string) =>
  `sha256:${Buffer.from(service).toString('hex').padEnd(64, '0').slice(0, 64)}`;
const services = (rendered: string) =>
  [
    ...new Set([...rendered.matchAll(new RegExp(`${registry}/([a-z-]+)`, 'g'))].map((m) => m[1] as string)),
  ].sort();

describe('npm run release: an environment with every service image pinned to one build', {
  timeout: 60_000,
}, () => {
  const scratch = mkdtempSync(path.join(tmpdir(), 'kit-release-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it.each(['staging', 'production'])('%s by commit SHA: the images of the golden file', (env) => {
    const rendered = renderRelease(overlay(env), registry, { sha: SHA });
    const golden = readFileSync(path.join(import.meta.dirname, 'golden', `${env}.images.txt`), 'utf8');
    expect(`${releaseImages(rendered).join('\n')}\n`).toBe(golden);
  });

  it.each(['staging', 'production'])('%s: changes nothing but the images', (env) => {
    const source = overlay(env);
    const rendered = renderRelease(source, registry, { sha: SHA });
    const unpinned = (text: string) =>
      parseAllDocuments(text.replace(new RegExp(`(${registry}/[a-z-]+)[:@][^\\s"]+`, 'g'), '$1')).map((d) =>
        d.toJS(),
      );
    expect(unpinned(rendered)).toEqual(unpinned(source));
  });

  it('pins by digest, and names a service the digests leave out', () => {
    const source = overlay('production');
    const digests = Object.fromEntries(services(source).map((s) => [s, digestOf(s)]));
    const rendered = renderRelease(source, registry, { digests });
    for (const line of releaseImages(rendered)) {
      if (line.includes(registry)) expect(line).toMatch(/@sha256:[0-9a-f]{64}$/);
    }
    const { rituals: _left, ...missing } = digests;
    expect(() => renderRelease(source, registry, { digests: missing })).toThrow(/no digest for rituals/);
    expect(() => renderRelease(source, registry, { digests: { ...digests, web: 'latest' } })).toThrow(
      /digest of web "latest" is not sha256/,
    );
  });

  it('refuses a short or symbolic commit, from the command line with exit 2 and one line', () => {
    const tsx = path.join(root, 'node_modules/.bin/tsx');
    const short = spawnSync(tsx, ['scripts/release.ts', 'render', '--env', 'staging', '--sha', 'main'], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(short.status).toBe(2);
    expect(short.stderr.trim()).toBe(
      '✗ --sha main: give the full 40-character commit SHA the images were built from',
    );
    expect(short.stdout).toBe('');
  });

  /** `npm run release -- render --env <env> --digests <source>` next to the library's own render. */
  const cliMatchesLibrary = (env: string, source: string) => {
    const tsx = path.join(root, 'node_modules/.bin/tsx');
    const args = ['scripts/release.ts', 'render', '--env', env, '--digests', source];
    const printed = execFileSync(tsx, args, { cwd: root, encoding: 'utf8' });
    const rendered = overlay(env);
    const digests = Object.fromEntries(services(rendered).map((s) => [s, digestOf(s)]));
    expect(printed).toBe(renderRelease(rendered, registry, { digests }));
  };

  it('reads the digests from a folder of files named after the services, as the workflow records them', () => {
    const folder = path.join(scratch, 'digests');
    mkdirSync(folder);
    for (const service of services(overlay('production'))) {
      writeFileSync(path.join(folder, service), `${digestOf(service)}\n`);
    }
    cliMatchesLibrary('production', folder);
  });

  it('prints from the command line what the workflow applies, digests read from a file', () => {
    const file = path.join(scratch, 'digests.json');
    writeFileSync(
      file,
      JSON.stringify(Object.fromEntries(services(overlay('staging')).map((s) => [s, digestOf(s)]))),
    );
    cliMatchesLibrary('staging', file);
  });
});
