// A service process started ahead of the next edit (by the reload supervisor, as `node [options]
// spare.ts <entry> <package>…`). It loads what an edit to the service cannot change: the --import
// preloads (the telemetry SDK, whose loader hook must come first) and the service's dependencies
// (preload.ts). Told to go, it imports the entry, so a reload pays only for the service's own
// modules. Measured on the gateway: about 1.1 s from a cold start to listening, a third of that from
// a spare.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { SpareMessage, SupervisorMessage } from './preload.ts';

const [entry, ...packages] = process.argv.slice(2);
if (!entry || !process.send) {
  console.error('usage: started by the reload supervisor as `node [options] spare.ts <entry> <package>…`');
  process.exit(2);
}
let started = false;
const go = new Promise<void>((resolve) =>
  process.on('message', (message: SupervisorMessage) => message.type === 'go' && resolve()),
);
// The supervisor gone: a spare has nothing to finish; a started service shuts down as on SIGTERM.
process.on('disconnect', () => (started ? process.kill(process.pid, 'SIGTERM') : process.exit(0)));
// The supervisor's preload plan. Bare imports resolve from here, the workspace root's node_modules,
// where npm hoists them. One that fails to load here loads on go instead, as it would without a spare.
await Promise.all(packages.map((name) => import(name).catch(() => undefined)));
await go;
started = true;
await import(pathToFileURL(path.resolve(entry)).href);
process.send({ type: 'up' } satisfies SpareMessage);
process.channel?.unref();
// Told to stop, a service closes its listeners before it drains and flushes: the next one can listen
// from then on. Only alongside the service's own handler, which ends the process.
if (process.listenerCount('SIGTERM') > 0) {
  process.once('SIGTERM', () => {
    const poll = setInterval(() => {
      if (process.getActiveResourcesInfo().includes('TCPServerWrap')) return;
      clearInterval(poll);
      process.send?.({ type: 'released' } satisfies SpareMessage);
    }, 2);
  });
}
