import { readdir, readFile, readlink } from 'node:fs/promises';
import net from 'node:net';

/** Whether something on this machine already listens on host:port (tries to bind it, then lets go). */
export function isPortTaken(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE' || error.code === 'EACCES') resolve(true);
      else reject(error);
    });
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(false)));
  });
}

/** The socket inodes listening on a TCP port, from /proc/net/tcp and tcp6 (Linux). */
export function listeningInodes(procNetTcp: string, port: number): string[] {
  const inodes: string[] = [];
  for (const line of procNetTcp.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    const local = fields[1];
    const state = fields[3];
    const inode = fields[9];
    if (!local || !inode || state !== '0A') continue; // 0A = LISTEN
    const hexPort = local.split(':').at(-1);
    if (hexPort && Number.parseInt(hexPort, 16) === port && inode !== '0') inodes.push(inode);
  }
  return inodes;
}

/**
 * Names the process listening on a port ("node (pid 4242)") by matching the socket's inode against
 * /proc/<pid>/fd. Undefined when not on Linux or when the holder is not visible (another user or
 * namespace, e.g. docker-proxy of a remote engine).
 */
export async function processHoldingPort(port: number, proc = '/proc'): Promise<string | undefined> {
  const tables = await Promise.all(
    ['tcp', 'tcp6'].map((name) => readFile(`${proc}/net/${name}`, 'utf8').catch(() => '')),
  );
  const inodes = new Set(tables.flatMap((table) => listeningInodes(table, port)));
  if (inodes.size === 0) return undefined;
  const pids = (await readdir(proc).catch(() => [] as string[])).filter((entry) => /^\d+$/.test(entry));
  for (const pid of pids) {
    const fds = await readdir(`${proc}/${pid}/fd`).catch(() => [] as string[]);
    for (const fd of fds) {
      const target = await readlink(`${proc}/${pid}/fd/${fd}`).catch(() => '');
      const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
      if (inode && inodes.has(inode)) {
        return `${await commandName(proc, pid)} (pid ${pid})`;
      }
    }
  }
  return undefined;
}

/** The program's name: argv[0]'s basename (comm can be a thread's name, e.g. a worker's). */
async function commandName(proc: string, pid: string): Promise<string> {
  const argv0 = (await readFile(`${proc}/${pid}/cmdline`, 'utf8').catch(() => '')).split('\0')[0];
  if (argv0) return argv0.split('/').at(-1) ?? argv0;
  return (await readFile(`${proc}/${pid}/comm`, 'utf8').catch(() => '?')).trim();
}
