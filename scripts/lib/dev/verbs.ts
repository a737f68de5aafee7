import { spawn } from 'node:child_process';
import readline from 'node:readline';
import { $ } from 'zx/core';
import { composeArgs, labelledContainers, loadProject, projectName } from './compose.ts';
import { parseDockerSize } from './units.ts';
import { ENTRY_POINTS } from './urls.ts';

const quiet = $({ quiet: true, nothrow: true });

/** `npm run dev:down [-- --volumes]`: removes every container and network of the project. */
export async function down(options: { volumes: boolean; log?: (line: string) => void }): Promise<number> {
  const log = options.log ?? console.log;
  const result =
    await quiet`docker ${composeArgs()} down --remove-orphans ${options.volumes ? ['--volumes'] : []}`;
  if (result.exitCode !== 0) {
    log(`✗ docker compose down failed: ${result.stderr.trim().split('\n').at(-1)} — is the engine running?`);
    return 1;
  }
  log(
    options.volumes
      ? '✓ stopped and removed, data volumes wiped'
      : '✓ stopped and removed (data volumes kept)',
  );
  return 0;
}

export interface StatusRow {
  service: string;
  state: string;
  health: string;
  memory: string;
  /** Where to open it (the entry points `npm run dev` prints), or "". */
  url: string;
  image: string;
  /** The commit its image was built from (service.version), or the image's tag. */
  version: string;
}

interface StatsLine {
  Name: string;
  MemUsage: string;
}

/** Memory in use per container name, from `docker stats --no-stream`. */
export async function memoryByContainer(names: string[]): Promise<Map<string, number>> {
  const usage = new Map<string, number>();
  if (names.length === 0) return usage;
  const result = await quiet`docker stats --no-stream --format ${'{{json .}}'} ${names}`;
  for (const line of result.stdout.trim().split('\n')) {
    if (!line) continue;
    const stats = JSON.parse(line) as StatsLine;
    const used = stats.MemUsage.split('/')[0]?.trim();
    if (used) usage.set(stats.Name, parseDockerSize(used));
  }
  return usage;
}

/** `npm run dev:status`: each container's state, health, URL, image and version, and the memory it uses. */
export async function status(): Promise<StatusRow[]> {
  const containers = await labelledContainers(projectName());
  const running = containers.filter((c) => c.state === 'running').map((c) => c.name);
  const memory = await memoryByContainer(running);
  return containers
    .sort((a, b) => a.service.localeCompare(b.service))
    .map((c) => {
      const bytes = memory.get(c.name);
      const entry = ENTRY_POINTS.find((e) => e.service === c.service);
      const port = c.hostPorts?.[0];
      return {
        service: c.service,
        state: c.state === 'exited' ? `exited (${c.exitCode})` : c.state,
        health: c.health || '—',
        memory: bytes === undefined ? '—' : `${(bytes / 2 ** 20).toFixed(0)} MiB`,
        url: entry && port && c.state === 'running' ? `http://localhost:${port}${entry.path}` : '',
        image: c.image ?? '',
        version: c.revision ?? c.image?.split(':').at(-1) ?? '',
      };
    });
}

/** `npm run dev:logs [service]`: follows the logs of one service or of all. */
export async function logs(
  service: string | undefined,
  log: (line: string) => void = console.log,
): Promise<number> {
  if (service) {
    const project = await loadProject();
    const names = project.services.map((s) => s.name);
    if (!names.includes(service)) {
      log(`✗ no service "${service}" — choose one of: ${names.join(', ')}`);
      return 2;
    }
  }
  const child = spawn(
    'docker',
    [...composeArgs(), 'logs', '--follow', '--tail', '200', ...(service ? [service] : [])],
    {
      stdio: 'inherit',
    },
  );
  return new Promise((resolve) => child.on('exit', (code) => resolve(code ?? 0)));
}

/**
 * `npm run dev -- --watch`, once `up` has started the services under the watch overlay: compose
 * rebuilds an image whose manifest, lock or Dockerfile changed, until Ctrl-C, which stops the watching
 * only; the containers keep running (and keep reloading on edits, which their mounts bring in).
 */
export function followWatch(services: readonly string[], log: (line: string) => void = console.log) {
  // Its own process group, signalled whole: the docker CLI does not pass a signal on to the compose
  // plugin, which would keep watching (and hold the project's watch lock) after the CLI is gone.
  const child = spawn('docker', [...composeArgs({ watch: true }), 'watch', '--no-up', ...services], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  // Compose says so once its watchers are set: an edit before that line is not seen.
  let markReady: (watching: boolean) => void = () => {};
  const ready = new Promise<boolean>((resolve) => (markReady = resolve));
  for (const stream of [child.stdout, child.stderr]) {
    readline.createInterface({ input: stream }).on('line', (line) => {
      if (line.includes('Watch enabled')) markReady(true);
      const holder = /cannot take exclusive lock .*process with PID (\d+)/.exec(line)?.[1];
      log(
        holder
          ? `✗ another watch of this project runs (pid ${holder}) — stop it (Ctrl-C in its terminal, or kill ${holder}), then run npm run dev -- --watch again`
          : `  watch │ ${line}`,
      );
    });
  }
  // Ended when the whole group is: the compose plugin outlives the CLI for a moment, holding the lock
  // a next `--watch` takes.
  const groupGone = async (pid: number | undefined) => {
    for (let i = 0; pid !== undefined && i < 100; i++) {
      try {
        process.kill(-pid, 0);
      } catch {
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  const finished = new Promise<number>((resolve) =>
    child.on('exit', (code) => {
      markReady(false);
      void groupGone(child.pid).then(() => resolve(code ?? 0));
    }),
  );
  const stop = () => {
    if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, 'SIGINT');
  };
  /** `ready` is true once compose watches, false if it ended first. */
  return { ready, finished, stop };
}
