// Restarts a service on an edit, from a spare process that has already loaded what an edit cannot
// change (see spare.ts). `npm run dev -- --watch` runs it in each service's container (compose syncs
// the edit in, with no container restart: Docker 20.10 alone takes about 1 s to restart one) and
// `--native` on the host.
import type { ChildProcess } from 'node:child_process';
import { fork } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { watchFolders } from './folders.ts';
import type { SpareMessage, SupervisorMessage } from './preload.ts';

const SPARE = fileURLToPath(new URL('./spare.ts', import.meta.url));

export interface ReloadOptions {
  /** What an edit to reloads the service: the folders Node loads the service's code from. */
  folders: readonly string[];
  /** The service's Node options (`--import @telemetry-kit/telemetry/register`). */
  nodeOptions: readonly string[];
  /** Its entry module, relative to `cwd`. */
  entry: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
  /** Edits closer together than this are one reload (an editor's save, compose's sync of several files). */
  debounceMs?: number;
}

interface Spare {
  child: ChildProcess;
  /** The workspace packages it loaded before go; rejects if it exited first. */
  ready: Promise<string[]>;
}

export interface Supervisor {
  /** Stops watching, ends the service as SIGTERM does and the spare; resolves with the service's exit code. */
  stop(): Promise<number>;
}

const running = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;

const exited = (child: ChildProcess) =>
  running(child) ? new Promise<void>((resolve) => child.once('exit', () => resolve())) : Promise.resolve();

/** Runs the service, and again from the spare on each edit under `options.folders`. */
export function superviseReloads(options: ReloadOptions): Supervisor {
  const { debounceMs = 50, log = (line: string) => console.error(line) } = options;
  const cwd = options.cwd ?? process.cwd();
  let current: ChildProcess | undefined;
  let spare: Spare | undefined;
  let stopping = false;

  const startSpare = (): Spare => {
    const child = fork(SPARE, [options.entry], {
      cwd,
      env: options.env ?? process.env,
      execArgv: [...options.nodeOptions],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const ready = new Promise<string[]>((resolve, reject) => {
      child.on('message', (message: SpareMessage) => {
        if (message.type === 'ready') resolve(message.pinned);
        if (message.type === 'up' && child === current && !stopping && !spare) spare = startSpare();
      });
      child.once('exit', () => reject(new Error('the spare exited before it was ready')));
    });
    ready.catch(() => undefined);
    // A message to a process that has just exited: its exit is what gets reported.
    child.on('error', () => undefined);
    return { child, ready };
  };

  const promote = () => {
    const next = spare ?? startSpare();
    spare = undefined;
    current = next.child;
    const child = next.child;
    child.once('exit', (code, signal) => {
      if (child !== current || stopping) return;
      current = undefined;
      log(`exited (${signal ?? code}); restarts on the next edit`);
      // The spare it would have started once up: ready for the fix.
      if (!spare) spare = startSpare();
    });
    child.send({ type: 'go' } satisfies SupervisorMessage);
  };

  const reload = async (changed: readonly string[]) => {
    if (spare) {
      const pinned = await spare.ready.catch(() => [] as string[]);
      const stale = changed.some((file) =>
        pinned.some((root) => file === root || file.startsWith(`${root}${path.sep}`)),
      );
      if (stale || !running(spare.child)) {
        spare.child.kill('SIGKILL');
        spare = undefined;
      }
    }
    const previous = current;
    current = undefined;
    if (previous) {
      previous.kill('SIGTERM');
      await exited(previous);
    }
    if (!stopping) promote();
  };

  // Edits during a reload make one more reload after it, never two at once.
  let changed = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let reloading: Promise<void> = Promise.resolve();
  const unwatch = watchFolders(options.folders, (file) => {
    changed.add(path.resolve(file));
    clearTimeout(timer);
    timer = setTimeout(() => {
      const batch = [...changed];
      changed = new Set();
      reloading = reloading.then(() => reload(batch)).catch((error) => log(`reload failed: ${error}`));
    }, debounceMs);
  });

  promote();

  return {
    async stop() {
      stopping = true;
      unwatch();
      clearTimeout(timer);
      await reloading;
      spare?.child.kill('SIGKILL');
      const last = current;
      if (!last) return 0;
      last.kill('SIGTERM');
      await exited(last);
      return last.exitCode ?? 1;
    },
  };
}
