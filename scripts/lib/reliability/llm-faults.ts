// The LLM case of `npm run bench -- reliability`: the model answers slower than rituals' deadline.
// Self-contained, so it disturbs neither the bench's compose stack nor its load: the llm-emulator and
// rituals run as local Node processes, started as their images start them (`node --import
// @telemetry-kit/telemetry/register src/main.ts`), their spans sent to a local endpoint that drops them.
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { REPO_ROOT } from '@telemetry-kit/observability-config/paths';

/** Rituals' deadline for the model in this case (LLM_TIMEOUT_MS): short, so the case takes seconds. */
export const RITUALS_DEADLINE_MS = 2_000;
/** The emulator's answer time once slowed: three deadlines, so every call that reaches it times out. */
const MODEL_DELAY_MS = 3 * RITUALS_DEADLINE_MS;
/** Generations while the model is fast, first: a cold process's first requests measure its start, not the deadline. */
const WARM_UP = 4;
const ADMIN_TOKEN = 'bench-llm-faults-admin-token';
/**
 * Generation requests, 4 a second from 4 users, for 20 s: enough for a p99, and longer than the
 * circuit's 15 s open period, so the breaker opens, lets a probe through and opens again.
 */
const JOURNEYS = 80;
const CONCURRENCY = 4;
const PAUSE_MS = 1_000;
/** The goal of issue 16: every answer within the deadline and 100 ms. */
const SLACK_MS = 100;

export interface LlmTimeoutFigures {
  llm_timeout_p99_ms: number;
  llm_timeout_journeys: number;
  rituals_deadline_ms: number;
  /** Answers later than the deadline + 100 ms (goal 0). */
  llm_timeout_late_answers: number;
  llm_timeout_504_answers: number;
  llm_timeout_503_answers: number;
  /** Completions that reached the model: the circuit breaker keeps this far below the journeys. */
  llm_timeout_model_calls: number;
}

interface Started {
  url: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** An OTLP endpoint that accepts and drops everything: the services export as they do in production. */
async function startOtlpDrain(): Promise<Started> {
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => response.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A service of this repository as a local process; resolves once /healthz answers. */
async function startService(service: string, env: Record<string, string>): Promise<Started> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', '@telemetry-kit/telemetry/register', `services/${service}/src/main.ts`],
    {
      cwd: REPO_ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/tmp',
        OTEL_SERVICE_NAME: service,
        LOG_LEVEL: 'warn',
        TELEMETRY_DRAIN_MS: '100',
        PORT: String(port),
        ...env,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    stderr = `${stderr}${chunk}`.slice(-2000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`${service} exited with ${child.exitCode} before it answered /healthz: ${stderr}`);
    }
    const ok = await fetch(`${url}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${service} did not answer /healthz within 60 s — see its stderr: ${stderr}`);
    }
    await sleep(200);
  }
  return {
    url,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Completions the emulator was asked for, from its own HTTP server metric. */
async function completionsServed(emulatorUrl: string): Promise<number> {
  const text = await (await fetch(`${emulatorUrl}/metrics`)).text();
  return text
    .split('\n')
    .filter(
      (line) =>
        line.startsWith('http_server_request_duration_seconds_count{') &&
        line.includes('http_route="/v1/chat/completions"'),
    )
    .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;

/**
 * Starts an llm-emulator and rituals with a 2 s deadline, warms rituals up, slows the model to three
 * deadlines, sends generation requests while it stays slow, and measures how long each answer took.
 */
export async function measureLlmTimeout(): Promise<LlmTimeoutFigures> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'bench-llm-faults-'));
  const otlp = await startOtlpDrain();
  const started: Started[] = [otlp];
  try {
    const telemetryEnv = { OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url };
    const emulator = await startService('llm-emulator', {
      ...telemetryEnv,
      ADMIN_TOKEN,
      LLM_LATENCY_MEDIAN_MS: '50',
      LLM_LATENCY_P99_MS: '50',
    });
    started.push(emulator);
    const rituals = await startService('rituals', {
      ...telemetryEnv,
      LLM_BASE_URL: `${emulator.url}/v1`,
      LLM_TIMEOUT_MS: String(RITUALS_DEADLINE_MS),
      RITUALS_DATA_DIR: dataDir,
    });
    started.push(rituals);

    const generate = async () => {
      const start = performance.now();
      const response = await fetch(`${rituals.url}/rituals`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ intention: 'a calm morning' }),
      });
      await response.arrayBuffer();
      return { ms: performance.now() - start, status: response.status };
    };
    await Promise.all(Array.from({ length: WARM_UP }, generate));
    const callsBefore = await completionsServed(emulator.url);
    // The emulator's fault injection delays every answer but its probes and scrapes.
    const slowed = await fetch(`${emulator.url}/admin/faults`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ latencyMs: MODEL_DELAY_MS, errorRate: 0 }),
    });
    if (!slowed.ok) throw new Error(`the emulator refused to slow down (PUT /admin/faults ${slowed.status})`);

    const answers: Array<{ ms: number; status: number }> = [];
    let sent = 0;
    const worker = async () => {
      while (sent < JOURNEYS) {
        sent += 1;
        answers.push(await generate());
        await sleep(PAUSE_MS);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));

    const sorted = answers.map((a) => a.ms).sort((a, b) => a - b);
    return {
      llm_timeout_p99_ms: Math.round(percentile(sorted, 99)),
      llm_timeout_journeys: answers.length,
      rituals_deadline_ms: RITUALS_DEADLINE_MS,
      llm_timeout_late_answers: sorted.filter((ms) => ms > RITUALS_DEADLINE_MS + SLACK_MS).length,
      llm_timeout_504_answers: answers.filter((a) => a.status === 504).length,
      llm_timeout_503_answers: answers.filter((a) => a.status === 503).length,
      llm_timeout_model_calls: (await completionsServed(emulator.url)) - callsBefore,
    };
  } finally {
    for (const service of started.reverse()) await service.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** The bench's entry (scripts/lib/reliability/llm-case.ts): its compose stack is not needed here. */
export async function runLlmFaults(_stack?: unknown): Promise<Record<string, number>> {
  return { ...(await measureLlmTimeout()) };
}
