import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import readline from 'node:readline';
import type { NativeProcess } from './native.ts';

/**
 * Runs the services on the host, each line of output prefixed with its service name. Resolves when
 * every process has ended; `stop()` (Ctrl-C) ends them all.
 */
export function runNative(processes: NativeProcess[], log: (line: string) => void = console.log) {
  const width = Math.max(...processes.map((p) => p.service.length));
  const children: ChildProcess[] = processes.map((p) => {
    const [command, ...args] = p.command;
    const child = spawn(command ?? 'tsx', args, {
      cwd: p.cwd,
      env: { ...process.env, ...p.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const stream of [child.stdout, child.stderr]) {
      readline
        .createInterface({ input: stream })
        .on('line', (line) => log(`${p.service.padEnd(width)} │ ${line}`));
    }
    child.on('exit', (code, signal) => log(`${p.service.padEnd(width)} │ exited (${signal ?? code})`));
    return child;
  });
  const finished = Promise.all(
    children.map((child) => new Promise<void>((resolve) => child.once('exit', () => resolve()))),
  );
  return {
    finished,
    stop: () => {
      for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
    },
  };
}
