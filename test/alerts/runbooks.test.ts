import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '@telemetry-kit/observability-config/paths';
import { loadSettings } from '@telemetry-kit/observability-config/settings';
import { describe, expect, it } from 'vitest';

// A runbook is read at 3 a.m.: every command it names must exist and work as written.
const dir = path.join(REPO_ROOT, 'docs/runbooks');
const runbooks = readdirSync(dir)
  .filter((f) => f.endsWith('.md'))
  .map((file) => ({ file, text: readFileSync(path.join(dir, file), 'utf8') }));
const commands = runbooks.flatMap(({ file, text }) =>
  [...text.matchAll(/`([^`]+)`/g)].map((m) => ({ file, command: m[1] ?? '' })),
);
const { namespace } = loadSettings(REPO_ROOT).kubernetes;
const scripts = Object.keys(
  (
    JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    }
  ).scripts,
);
const k8sText = readdirSync(path.join(REPO_ROOT, 'k8s'), { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => readFileSync(path.join(REPO_ROOT, 'k8s', f), 'utf8'))
  .join('\n');

describe('runbooks (docs/runbooks)', () => {
  it('name commands (the check reads them)', () => {
    expect(commands.filter((c) => /^(kubectl|npm run) /.test(c.command)).length).toBeGreaterThan(3);
  });

  it.each(commands.filter((c) => c.command.startsWith('kubectl ')).map((c) => [c.file, c.command]))(
    '%s: `%s` names the kit’s namespace and is plain kubectl',
    (_, command) => {
      expect(command, 'kubectl without the namespace acts on whatever namespace kubectl points at').toMatch(
        new RegExp(`(^| )(-n|--namespace)[ =]${namespace}( |$)`),
      );
      const verb = command.replace(/ (-n|--namespace)[ =]\S+/, '').split(/\s+/)[1];
      expect(['get', 'logs', 'describe', 'rollout', 'scale', 'top'], `kubectl ${verb} (a plugin?)`).toContain(
        verb,
      );
    },
  );

  it.each(commands.filter((c) => c.command.startsWith('npm run ')).map((c) => [c.file, c.command]))(
    '%s: `%s` is a script of package.json',
    (_, command) => {
      expect(scripts).toContain(command.split(/\s+/)[2]);
    },
  );

  it('name no tool the kit does not ship (flagd, Argo Rollouts) and no bare docker compose', () => {
    for (const { file, text } of runbooks) {
      if (!/kind: Rollout\b/.test(k8sText)) expect(text, file).not.toMatch(/argo rollouts/i);
      if (!/flagd/.test(k8sText)) expect(text, file).not.toMatch(/flagd|feature flag/i);
      // compose needs the pin file (--env-file images.env); npm run dev:* passes it.
      expect(text, file).not.toMatch(/docker compose(?! --env-file)/);
    }
  });
});
