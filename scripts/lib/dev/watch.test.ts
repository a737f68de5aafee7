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
  it('syncs an edit into the running container, whose reload supervisor restarts the service, without a drain', () => {
    const gateway = watchOverlay(REPO_ROOT, ['gateway']).services.gateway;
    expect(gateway?.environment.TELEMETRY_DRAIN_MS).toBe('0');
    expect(gateway?.deploy.resources.limits.cpus, 'room for the new process beside the draining one').toBe(
      '2',
    );
    const synced = gateway?.develop.watch.filter((rule) => rule.action !== 'rebuild') ?? [];
    expect(synced.length).toBeGreaterThan(0);
    for (const rule of synced) expect(rule.action, 'a container restart costs Docker about 1 s').toBe('sync');
    expect(gateway?.command.slice(0, 2)).toEqual(['node', `/app/${RELOADER}`]);
    const watched = gateway?.command.filter((a) => a.startsWith('--watch-path=')).map((a) => a.slice(13));
    expect(watched?.sort()).toEqual(synced.map((rule) => 'target' in rule && rule.target).sort());
    // The image's own command (services/Dockerfile CMD), from its working directory.
    expect(gateway?.command.slice(-4)).toEqual([
      '--',
      '--import',
      '@telemetry-kit/telemetry/register',
      'src/main.ts',
    ]);
  });

  it('under --native, the supervisor watches the same folders the containers are synced from', () => {
    const synced = watchOverlay(REPO_ROOT, ['gateway'])
      .services.gateway?.develop.watch.filter((rule) => rule.action !== 'rebuild')
      .map((rule) => path.relative(REPO_ROOT, rule.path));
    const command = reloadingCommand(
      RELOADER,
      reloadFolders(REPO_ROOT, 'gateway'),
      'services/gateway/src/main.ts',
    );
    const watched = command.filter((a) => a.startsWith('--watch-path=')).map((a) => a.slice(13));
    expect(watched.sort()).toEqual(synced?.sort());
    expect(RELOADER).toBe('packages/service-kit/src/reload/main.ts');
    expect(command.slice(-3)).toEqual([
      '--import',
      '@telemetry-kit/telemetry/register',
      'services/gateway/src/main.ts',
    ]);
  });

  it('syncs the folders Node loads: a bundled library by its dist/, one run from source by its src/', () => {
    expect(loadedFolders(REPO_ROOT, 'packages/telemetry')).toEqual(['dist']);
    expect(loadedFolders(REPO_ROOT, 'packages/service-kit')).toEqual(['src']);
    expect(loadedFolders(REPO_ROOT, 'services/gateway')).toEqual(['src']);
  });

  it('syncs only what the image holds: the service and its production dependencies, not its dev ones', () => {
    const folders = runtimeFolders(REPO_ROOT, 'gateway');
    expect(folders).toEqual(['packages/service-kit', 'packages/telemetry', 'services/gateway']);
    expect(folders).not.toContain('packages/testkit');
  });

  it('maps each synced folder to its place under /app and rebuilds on a manifest, the lock or the Dockerfile', () => {
    const gateway = watchOverlay(REPO_ROOT, ['gateway']).services.gateway;
    const rules = gateway?.develop.watch ?? [];
    expect(rules).toContainEqual({
      action: 'sync',
      path: path.join(REPO_ROOT, 'services/gateway/src'),
      target: '/app/services/gateway/src',
    });
    expect(rules).toContainEqual({
      action: 'sync',
      path: path.join(REPO_ROOT, 'packages/telemetry/dist'),
      target: '/app/packages/telemetry/dist',
    });
    const rebuilt = rules.filter((r) => r.action === 'rebuild').map((r) => path.relative(REPO_ROOT, r.path));
    expect(rebuilt).toEqual(
      expect.arrayContaining(['package-lock.json', 'services/Dockerfile', 'services/gateway/package.json']),
    );
    // The web app's browser code is bundled at build time: an edit there rebuilds, it is not synced.
    const web = watchOverlay(REPO_ROOT, ['web']).services.web?.develop.watch ?? [];
    expect(web).toContainEqual({ action: 'rebuild', path: path.join(REPO_ROOT, 'services/web/browser') });
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
