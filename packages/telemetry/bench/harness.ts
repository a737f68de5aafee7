// Process and load helpers for scripts/bench/telemetry.ts: each variant runs in its own process,
// started fresh, measured with autocannon, stopped.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import autocannon from 'autocannon';

export const BENCH_DIR = import.meta.dirname;
export const REPO_ROOT = path.resolve(BENCH_DIR, '../../..');

export interface RunningProcess {
  name: string;
  pid: number;
  port: number;
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts `node [nodeArgs] script` and resolves when it prints "listening <port>" on stderr. */
export async function startProcess(
  name: string,
  script: string,
  env: Record<string, string>,
  nodeArgs: string[] = [],
): Promise<RunningProcess & { startedAt: number }> {
  const startedAt = performance.now();
  const child = spawn(process.execPath, [...nodeArgs, path.join(BENCH_DIR, script)], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${name} did not start within 60 s:\n${stderr}`)),
      60_000,
    );
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = /listening (\d+)/.exec(stderr);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code} before listening — its stderr:\n${stderr}`));
    });
  });
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  return { name, pid: child.pid ?? -1, port, url: `http://127.0.0.1:${port}`, child, stop, startedAt };
}

/** A port nothing listens on (bound, then released): connections to it are refused. */
export async function refusingPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise((r) => server.close(r));
  return port;
}

/** ~1 KB JSON order, the body every variant parses. */
export const ORDER_BODY = JSON.stringify({
  customer: { id: 'user-42', email: 'alice.martin@example.com', tier: 'gold' },
  items: Array.from({ length: 8 }, (_, i) => ({
    sku: `SKU-${1000 + i}`,
    title: `Ritual bundle number ${i}`,
    quantity: (i % 3) + 1,
    price_cents: 1299 + i * 100,
  })),
  shipping: { method: 'standard', country: 'FR', notes: 'leave at the door, ring twice please' },
});

/** Milliseconds from `startedAt` until POST /orders first answers 200 (polling every 5 ms). */
export async function timeToFirst200(url: string, startedAt: number): Promise<number> {
  for (;;) {
    try {
      const res = await fetch(`${url}/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: ORDER_BODY,
      });
      await res.arrayBuffer();
      if (res.status === 200) return performance.now() - startedAt;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 5));
  }
}

export interface LoadResult {
  rps: number;
  p99Ms: number;
  p50Ms: number;
  non2xx: number;
  errors: number;
}

export async function load(
  url: string,
  options: { durationS: number; connections?: number; overallRate?: number },
): Promise<LoadResult> {
  const result = await autocannon({
    url: `${url}/orders`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: ORDER_BODY,
    connections: options.connections ?? 16,
    duration: options.durationS,
    ...(options.overallRate ? { overallRate: options.overallRate } : {}),
  });
  return {
    rps: result.requests.average,
    p99Ms: result.latency.p99,
    p50Ms: result.latency.p50,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}

/** A measurement only counts when every request was answered 2xx. */
export function expectAllOk(label: string, result: LoadResult): void {
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(`${label}: ${result.non2xx} non-2xx answers and ${result.errors} errors under load`);
  }
}

/** Resident set size of a process, in MiB (Linux /proc). */
export async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  return kb / 1024;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** The value of one Prometheus sample, e.g. telemetry_export_dropped_total{signal="traces"}. */
export function sampleValue(text: string, name: string, label: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(label));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

/** Runs a one-shot process (the logger benchmark) and parses the JSON line it prints. */
export async function runJson<T>(script: string, env: Record<string, string>): Promise<T> {
  const child = spawn(process.execPath, [path.join(BENCH_DIR, script)], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout?.on('data', (c: Buffer) => {
    out += c.toString();
  });
  const code = await new Promise<number | null>((resolve) =>
    child.once('exit', (exitCode) => resolve(exitCode)),
  );
  if (code !== 0) throw new Error(`${script} exited with ${code}`);
  return JSON.parse(out.trim().split('\n').pop() ?? '{}') as T;
}

/** Sum of v8js_memory_heap_used_bytes over heap spaces, in MiB, from a /metrics page. */
export function heapUsedMb(metricsText: string): number {
  return (
    metricsText
      .split('\n')
      .filter((line) => line.startsWith('v8js_memory_heap_used_bytes{'))
      .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0) /
    2 ** 20
  );
}
