import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { editToReload, untilAnswering, untilReloaded } from './reload.ts';

const servers: http.Server[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

/** A stand-in service answering `status`, on a fixed port so a "restart" can take it back. */
function serve(status: () => number, port = 0): Promise<http.Server> {
  const server = http.createServer((_, response) => response.writeHead(status()).end());
  servers.push(server);
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}
const urlOf = (server: http.Server) => `http://127.0.0.1:${(server.address() as AddressInfo).port}/healthz`;

describe('measuring an edit until the service answers from the restarted process', () => {
  it('waits through the gap of a restart (503 while stopping, then refused) for the new process', async () => {
    let status = 200;
    const old = await serve(() => status);
    const url = urlOf(old);
    const port = (old.address() as AddressInfo).port;
    const measured = untilReloaded(url, { timeoutMs: 10_000 });
    let restarted = false;
    setTimeout(() => {
      status = 503;
      setTimeout(() => {
        old.close();
        old.closeAllConnections();
        setTimeout(() => void serve(() => 200, port).then(() => (restarted = true)), 100);
      }, 100);
    }, 100);
    await measured;
    expect(restarted, 'resolved only once the new process answered').toBe(true);
  });

  it('does not count an old process that keeps answering as reloaded', async () => {
    const server = await serve(() => 200);
    await expect(untilReloaded(urlOf(server), { timeoutMs: 300 })).rejects.toThrow(/did not restart within/);
  });

  it('puts the edited file back as it was, even when no reload comes', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kit-reload-'));
    const file = path.join(dir, 'main.ts');
    writeFileSync(file, 'export const answer = 42;\n');
    const server = await serve(() => 200);
    await expect(editToReload(file, urlOf(server), { timeoutMs: 300 })).rejects.toThrow();
    expect(readFileSync(file, 'utf8')).toBe('export const answer = 42;\n');
  });

  it('waits for a service still starting to answer before the first edit', async () => {
    const server = await serve(() => 503);
    await expect(untilAnswering(urlOf(server), { timeoutMs: 300, pollMs: 20 })).rejects.toThrow(
      /did not answer 200/,
    );
    let status = 503;
    setTimeout(() => (status = 200), 100);
    const ready = await serve(() => status);
    await untilAnswering(urlOf(ready), { timeoutMs: 5_000, pollMs: 20 });
    expect(status).toBe(200);
  });
});
