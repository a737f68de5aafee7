import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './compose.ts';
import { startableBeforeMigrations } from './early-start.ts';
import { devService } from './testing.ts';
import {
  loadedFolders,
  RELOADER,
  reloadFolders,
  reloadingCommand,
  runtimeFolders,
  watchOverlay,
} from './watch.ts';

describe('npm run dev -- --watch: the compose overlay', () => {
  it('mounts the sources into the running container, whose reload supervisor restarts the service, without a drain', () => {
    const gateway = watchOverlay(REPO_ROOT, ['gateway']).services.gateway;
    expect(gateway?.environment.TELEMETRY_DRAIN_MS).toBe('0');
    expect(gateway?.deploy.resources.limits.cpus, 'room for the new process beside the draining one').toBe(
      '2',
    );
    const mounted = gateway?.volumes.map((mount) => mount.target) ?? [];
    expect(mounted.length).toBeGreaterThan(0);
    // Only rebuilds are left to compose's watch: its sync waited 0.5 s for quiet, then copied.
    expect(gateway?.develop.watch.every((rule) => rule.action === 'rebuild')).toBe(true);
    expect(gateway?.command.slice(0, 2)).toEqual(['node', `/app/${RELOADER}`]);
    const watched = gateway?.command.filter((a) => a.startsWith('--watch-path=')).map((a) => a.slice(13));
    expect(watched?.sort()).toEqual(mounted.sort());
    // The image's own command (services/Dockerfile CMD), from its working directory.
    expect(gateway?.command.slice(-4)).toEqual([
      '--',
      '--import',
      '@telemetry-kit/telemetry/register',
      'src/main.ts',
    ]);
  });

  it('under --native, the supervisor watches the same folders the containers mount', () => {
    const mounted = watchOverlay(REPO_ROOT, ['gateway']).services.gateway?.volumes.map((mount) =>
      path.relative(REPO_ROOT, mount.source),
    );
    const command = reloadingCommand(
      RELOADER,
      reloadFolders(REPO_ROOT, 'gateway'),
      'services/gateway/src/main.ts',
    );
    const watched = command.filter((a) => a.startsWith('--watch-path=')).map((a) => a.slice(13));
    expect(watched.sort()).toEqual(mounted?.sort());
    expect(RELOADER).toBe('packages/service-kit/src/reload/main.ts');
    expect(command.slice(-3)).toEqual([
      '--import',
      '@telemetry-kit/telemetry/register',
      'services/gateway/src/main.ts',
    ]);
  });

  it('mounts the folders Node loads: a bundled library by its dist/, one run from source by its src/', () => {
    expect(loadedFolders(REPO_ROOT, 'packages/telemetry')).toEqual(['dist']);
    expect(loadedFolders(REPO_ROOT, 'packages/service-kit')).toEqual(['src']);
    expect(loadedFolders(REPO_ROOT, 'services/gateway')).toEqual(['src']);
  });

  it('mounts only what the image holds: the service and its production dependencies, not its dev ones', () => {
    const folders = runtimeFolders(REPO_ROOT, 'gateway');
    expect(folders).toEqual(['packages/service-kit', 'packages/telemetry', 'services/gateway']);
    expect(folders).not.toContain('packages/testkit');
  });

  it('mounts each folder read-only at its place under /app and rebuilds on a manifest, the lock or the Dockerfile', () => {
    const gateway = watchOverlay(REPO_ROOT, ['gateway']).services.gateway;
    expect(gateway?.volumes).toContainEqual({
      type: 'bind',
      source: path.join(REPO_ROOT, 'services/gateway/src'),
      target: '/app/services/gateway/src',
      read_only: true,
    });
    expect(gateway?.volumes).toContainEqual({
      type: 'bind',
      source: path.join(REPO_ROOT, 'packages/telemetry/dist'),
      target: '/app/packages/telemetry/dist',
      read_only: true,
    });
    const rules = gateway?.develop.watch ?? [];
    const rebuilt = rules.map((r) => path.relative(REPO_ROOT, r.path));
    expect(rebuilt).toEqual(
      expect.arrayContaining(['package-lock.json', 'services/Dockerfile', 'services/gateway/package.json']),
    );
    // The web app's browser code is bundled at build time: an edit there rebuilds, it is not mounted.
    const web = watchOverlay(REPO_ROOT, ['web']).services.web;
    expect(web?.develop.watch).toContainEqual({
      action: 'rebuild',
      path: path.join(REPO_ROOT, 'services/web/browser'),
    });
    expect(web?.volumes.map((mount) => mount.target)).not.toContain('/app/services/web/browser');
  });
});

const service = devService;

describe('a warm start asks the migration table before running migrations', () => {
  it('starts the database and whatever neither needs a migrated schema nor waits for what does', () => {
    const plan = [
      service('postgres'),
      service('gateway-migrate', { oneShot: true, dependsOn: ['postgres'] }),
      service('gateway', { dependsOn: ['gateway-migrate', 'rituals'] }),
      service('rituals'),
      service('web', { dependsOn: ['gateway'] }),
    ];
    // web waits for gateway, which waits for its migration: it starts with them, or compose would
    // recreate it when the full `up` puts its dependency back into its configuration.
    expect(startableBeforeMigrations(plan)).toEqual(['postgres', 'rituals']);
  });
});
