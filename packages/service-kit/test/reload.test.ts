// The reload supervisor (`npm run dev -- --watch` in containers, `--native` on the host) with a real
// service process: a tiny HTTP server in a temporary folder, edited as a developer edits it.
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../observability-config/src/paths.ts';
import { watchFolders } from '../src/reload/folders.ts';
import { preloadPlan } from '../src/reload/preload.ts';
import type { Supervisor } from '../src/reload/supervisor.ts';
import { superviseReloads } from '../src/reload/supervisor.ts';
import { freePort } from './fixtures/free-port.ts';

// Answers what answer.mjs and the preload say, with the process's pid and start time; on SIGTERM stops
// listening and exits 0 after LINGER_MS (a drain and a flush).
const ENTRY = `
import { createServer } from 'node:http';
import { answer } from './answer.mjs';
const server = createServer((_req, res) =>
  res.end(JSON.stringify({ answer, preloaded: globalThis.preloaded ?? null, pid: process.pid, started: performance.timeOrigin })),
);
await new Promise((resolve) => server.listen(Number(process.env.PORT), '127.0.0.1', resolve));
process.once('SIGTERM', () => {
  server.close();
  setTimeout(() => process.exit(0), Number(process.env.LINGER_MS ?? 0));
});
`;

interface Answer {
  answer: string;
  preloaded: string | null;
  pid: number;
  started: number;
}

const folders: string[] = [];
const supervisors: Supervisor[] = [];
afterEach(async () => {
  await Promise.all(supervisors.splice(0).map((s) => s.stop()));
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

function workspace() {
  const root = mkdtempSync(path.join(os.tmpdir(), 'reload-'));
  folders.push(root);
  const service = path.join(root, 'service');
  const preload = path.join(root, 'preload');
  mkdirSync(path.join(service, 'src'), { recursive: true });
  mkdirSync(preload);
  writeFileSync(path.join(service, 'package.json'), '{ "name": "service", "type": "module" }');
  writeFileSync(path.join(service, 'src/main.mjs'), ENTRY);
  writeFileSync(path.join(service, 'src/answer.mjs'), "export const answer = 'first';\n");
  writeFileSync(path.join(preload, 'package.json'), '{ "name": "preload", "type": "module" }');
  writeFileSync(path.join(preload, 'index.mjs'), "globalThis.preloaded = 'one';\n");
  const edit = (file: string, text: string) => {
    // As an editor saves: a new file renamed over the old one.
    writeFileSync(`${file}.tmp`, text);
    renameSync(`${file}.tmp`, file);
  };
  return { root, service, preload, edit };
}

async function start(ws: ReturnType<typeof workspace>, log: string[] = [], env: Record<string, string> = {}) {
  const port = await freePort();
  const supervisor = superviseReloads({
    folders: [path.join(ws.service, 'src'), ws.preload],
    nodeOptions: ['--import', path.join(ws.preload, 'index.mjs')],
    entry: 'src/main.mjs',
    cwd: ws.service,
    env: { ...process.env, PORT: String(port), ...env },
    log: (line) => log.push(line),
  });
  supervisors.push(supervisor);
  const ask = async (): Promise<Answer | undefined> => {
    try {
      return (await (await fetch(`http://127.0.0.1:${port}/`)).json()) as Answer;
    } catch {
      return undefined;
    }
  };
  const until = async (check: (answer: Answer) => boolean, what: string): Promise<Answer> => {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const answer = await ask();
      if (answer && check(answer)) return answer;
      if (Date.now() > deadline)
        throw new Error(`${what}; last answer ${JSON.stringify(answer)}, log ${log}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  };
  return { supervisor, ask, until };
}

/** Until the supervisor's spare has loaded its preloads: a short wait, as between two edits. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 1_500));

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('the reload supervisor', () => {
  it('answers from the edited code after an edit, from another process', async () => {
    const ws = workspace();
    const service = await start(ws);
    const first = await service.until((a) => a.answer === 'first', 'the service did not start');
    ws.edit(path.join(ws.service, 'src/answer.mjs'), "export const answer = 'second';\n");
    const second = await service.until((a) => a.answer === 'second', 'the edit was not reloaded');
    expect(second.pid).not.toBe(first.pid);
  });

  it('restarts into a spare process started before the edit', async () => {
    const ws = workspace();
    const service = await start(ws);
    await service.until((a) => a.answer === 'first', 'the service did not start');
    await settle();
    const editedAt = performance.timeOrigin + performance.now();
    ws.edit(path.join(ws.service, 'src/answer.mjs'), "export const answer = 'second';\n");
    const second = await service.until((a) => a.answer === 'second', 'the edit was not reloaded');
    expect(second.started, 'the answering process started before the edit').toBeLessThan(editedAt);
  });

  it('starts the next process once the last one stops listening, not once it has exited', async () => {
    const ws = workspace();
    const service = await start(ws, [], { LINGER_MS: '5000' });
    const first = await service.until((a) => a.answer === 'first', 'the service did not start');
    await settle();
    ws.edit(path.join(ws.service, 'src/answer.mjs'), "export const answer = 'second';\n");
    await service.until((a) => a.answer === 'second', 'the edit was not reloaded');
    expect(alive(first.pid), 'the last process still drains').toBe(true);
  });

  it('does not serve from a spare whose preloads were edited since it started', async () => {
    const ws = workspace();
    const service = await start(ws);
    await service.until((a) => a.preloaded === 'one', 'the preload did not run');
    await settle();
    ws.edit(path.join(ws.preload, 'index.mjs'), "globalThis.preloaded = 'two';\n");
    await service.until((a) => a.preloaded === 'two', 'the edited preload was not loaded');
  });

  it('reloads edits in a folder made after it started', async () => {
    const ws = workspace();
    const service = await start(ws);
    await service.until((a) => a.answer === 'first', 'the service did not start');
    mkdirSync(path.join(ws.service, 'src/lib'));
    await new Promise((resolve) => setTimeout(resolve, 300));
    writeFileSync(path.join(ws.service, 'src/lib/word.mjs'), "export const word = 'nested';\n");
    ws.edit(path.join(ws.service, 'src/answer.mjs'), "export { word as answer } from './lib/word.mjs';\n");
    await service.until((a) => a.answer === 'nested', 'the edit was not reloaded');
    writeFileSync(path.join(ws.service, 'src/lib/word.mjs'), "export const word = 'deeper';\n");
    await service.until((a) => a.answer === 'deeper', 'an edit in the new folder was not reloaded');
  });

  it('waits for the next edit after the service fails, and runs the fixed code', async () => {
    const ws = workspace();
    const log: string[] = [];
    const service = await start(ws, log);
    await service.until((a) => a.answer === 'first', 'the service did not start');
    ws.edit(path.join(ws.service, 'src/answer.mjs'), "throw new Error('a typo');\n");
    await expect
      .poll(() => log.join('\n'), { timeout: 20_000 })
      .toMatch(/exited \(1\); restarts on the next edit/);
    expect(await service.ask()).toBeUndefined();
    ws.edit(path.join(ws.service, 'src/answer.mjs'), "export const answer = 'fixed';\n");
    await service.until((a) => a.answer === 'fixed', 'the fixed code was not run');
  });

  it('stops the service as SIGTERM does, and its spare, and returns the exit code', async () => {
    const ws = workspace();
    const service = await start(ws);
    const first = await service.until((a) => a.answer === 'first', 'the service did not start');
    await settle();
    expect(await service.supervisor.stop()).toBe(0);
    supervisors.length = 0;
    expect(await service.ask()).toBeUndefined();
    expect(alive(first.pid)).toBe(false);
  });
});

describe('the spare', () => {
  it("preloads what a service depends on and pins the workspace packages among it, not the service's own code", () => {
    const plan = preloadPlan(
      'services/gateway/src/main.ts',
      ['--import', '@telemetry-kit/telemetry/register'],
      REPO_ROOT,
    );
    expect(plan.packages).toEqual(
      expect.arrayContaining(['fastify', 'pg', 'zod', '@telemetry-kit/service-kit']),
    );
    // What a workspace package imports loads with it; what it imports only when asked (flagd) does not.
    expect(plan.packages).not.toContain('@openfeature/flagd-provider');
    expect(plan.pinned.map((dir) => path.relative(REPO_ROOT, dir))).toEqual([
      'packages/service-kit',
      'packages/telemetry',
    ]);
  });
});

describe('watching folders', () => {
  it('sees a file replaced again and again, and a watched folder removed and made again', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'reload-watch-'));
    folders.push(root);
    const dist = path.join(root, 'dist');
    mkdirSync(dist);
    const seen: string[] = [];
    const stop = watchFolders([dist], (file) => seen.push(file));
    try {
      const file = path.join(dist, 'index.mjs');
      for (let i = 0; i < 4; i++) {
        writeFileSync(`${file}.tmp`, `export default ${i};\n`);
        renameSync(`${file}.tmp`, file);
        await expect.poll(() => seen.filter((f) => f === file).length, { timeout: 5_000 }).toBeGreaterThan(i);
      }
      rmSync(dist, { recursive: true });
      mkdirSync(dist);
      await new Promise((resolve) => setTimeout(resolve, 200));
      seen.length = 0;
      writeFileSync(file, 'export default "rebuilt";\n');
      await expect.poll(() => seen.includes(file), { timeout: 5_000 }).toBe(true);
      expect(existsSync(file)).toBe(true);
    } finally {
      stop();
    }
  });
});
