import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '@telemetry-kit/observability-config/paths';
import { loadSettings } from '@telemetry-kit/observability-config/settings';
import { FLAGS_CONFIG_MAP } from '@telemetry-kit/observability-config/targets/workloads';
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
      const words = command.replace(/ (-n|--namespace)[ =]\S+/, '').split(/\s+/);
      const verb = words[1] ?? '';
      // Argo Rollouts' plugin, once the overlays run Rollouts: its verbs for a rollout.
      const plugin = /kind: Rollout\b/.test(k8sText) && verb === 'argo' && words[2] === 'rollouts';
      if (plugin) {
        expect(['get', 'status', 'promote', 'abort', 'undo', 'retry', 'list']).toContain(words[3]);
        return;
      }
      // The emergency flag flip: the one object a runbook edits in place is the flags ConfigMap.
      if (verb === 'edit') {
        expect(words.slice(2), 'kubectl edit of anything but the flags ConfigMap').toEqual([
          'configmap',
          FLAGS_CONFIG_MAP,
        ]);
        expect(k8sText, 'the overlays ship the flags ConfigMap').toContain(`name: ${FLAGS_CONFIG_MAP}\n`);
        return;
      }
      expect(['get', 'logs', 'describe', 'rollout', 'scale', 'top'], `kubectl ${verb} (a plugin?)`).toContain(
        verb,
      );
    },
  );

  it('undo a service with the command its workload kind takes: Argo Rollouts for a Rollout', () => {
    const rollouts = [...k8sText.matchAll(/kind: Rollout\nmetadata:\n(?: {2}.*\n)*? {2}name: (\S+)/g)].map(
      (m) => m[1],
    );
    expect(rollouts.length).toBeGreaterThan(0);
    for (const { file, command } of commands) {
      const deployment = /rollout undo deployment\/(\S+)/.exec(command)?.[1];
      if (deployment) expect(rollouts, `${file}: ${command}`).not.toContain(deployment);
    }
  });

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
