// Restarts a service on an edit, from a spare process that has already loaded what an edit cannot
// change (see spare.ts). `npm run dev -- --watch` runs it in each service's container (the sources are
// mounted from the host; no container restart: Docker 20.10 alone takes about 1 s to restart one) and
// `--native` on the host.
import type { ChildProcess } from 'node:child_process';
import { fork } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { watchFolders } from './folders.ts';
import type { SpareMessage, SupervisorMessage } from './preload.ts';
import { preloadPlan } from './preload.ts';

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

export interface Supervisor {
  /** Stops watching, ends the service as SIGTERM does and the spare; resolves with the service's exit code. */
  stop(): Promise<number>;
}

const running = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;

const exited = (child: ChildProcess) =>
  running(child) ? new Promise<void>((resolve) => child.once('exit', () => resolve())) : Promise.resolve();

/** Until the service no longer listens (it then drains and flushes, about 0.1 s on a reload) or has exited. */
const released = (child: ChildProcess) =>
  Promise.race([
    exited(child),
    new Promise<void>((resolve) =>
      child.on('message', (message: SpareMessage) => message.type === 'released' && resolve()),
    ),
  ]);

/** Runs the service, and again from the spare on each edit under `options.folders`. */
export function superviseReloads(options: ReloadOptions): Supervisor {
  const { debounceMs = 20, log = (line: string) => console.error(line) } = options;
  const cwd = options.cwd ?? process.cwd();
  let current: ChildProcess | undefined;
  let spare: ChildProcess | undefined;
  const { packages, pinned } = preloadPlan(options.entry, options.nodeOptions, cwd);
  let stopping = false;

  const startSpare = (): ChildProcess => {
    const child = fork(SPARE, [options.entry, ...packages], {
      cwd,
      env: options.env ?? process.env,
      execArgv: [...options.nodeOptions],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    child.on('message', (message: SpareMessage) => {
      if (message.type === 'up' && child === current && !stopping && !spare) spare = startSpare();
    });
    // A message to a process that has just exited: its exit is what gets reported.
    child.on('error', () => undefined);
    return child;
  };

  const promote = () => {
    const child = spare ?? startSpare();
    spare = undefined;
    current = child;
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
    const stale = changed.some((file) =>
      pinned.some((root) => file === root || file.startsWith(`${root}${path.sep}`)),
    );
    if (spare && (stale || !running(spare))) {
      spare.kill('SIGKILL');
      spare = undefined;
    }
    const previous = current;
    current = undefined;
    if (previous) {
      previous.kill('SIGTERM');
      await released(previous);
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
      spare?.kill('SIGKILL');
      const last = current;
      if (!last) return 0;
      last.kill('SIGTERM');
      await exited(last);
      return last.exitCode ?? 1;
    },
  };
}
