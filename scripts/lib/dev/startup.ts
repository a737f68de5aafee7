// Following a start until every component is ready or one has failed: what `docker compose up --wait`
// did, seen sooner. Docker's events say when a container was created, started, died or changed health,
// and only then is the project's list read again (a `docker ps` costs about 0.1 CPU-second, which two
// cores busy starting containers feel); the services this repository builds are asked for readiness
// every 200 ms from their start event on (readiness.ts).
import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { labelledContainers } from './compose.ts';
import type { ContainerStatus, StartupProgress } from './progress.ts';
import { formatEvent } from './progress.ts';
import type { ReadinessProber } from './readiness.ts';

const ROUND_MS = 200;
/** The list is read again this often even without an event (an engine whose events stream failed). */
const REREAD_MS = 2_000;
const HEARTBEAT_MS = 10_000;
/** The container events that change what `docker ps` says of a container (not the probes' exec_*). */
const CHANGES = /^(create|start|die|destroy|kill|stop|health_status)/;

export interface StartupWatchOptions {
  project: string;
  progress: StartupProgress;
  prober: ReadinessProber;
  /** Ids of the containers there before this start: any of them may be about to be recreated. */
  earlier: ReadonlySet<string>;
  log: (line: string) => void;
}

/**
 * Reports each component once it is ready (a line with its start time) or has failed, and every 10 s
 * what it still waits for. Until `settle()` (compose has started everything), a container that was
 * there before counts for nothing, and one that exited or is unhealthy may yet be recreated; after it,
 * every container counts, failures are final, and `finished` resolves once every component is ready or
 * one has failed. `stop()` ends it at once (Ctrl-C, or compose failed).
 */
export class StartupWatch {
  readonly finished: Promise<void>;
  private final = false;
  private stopped = false;
  private readonly options: StartupWatchOptions;

  constructor(options: StartupWatchOptions) {
    this.options = options;
    this.finished = this.run();
  }

  settle(): void {
    this.final = true;
  }

  stop(): void {
    this.stopped = true;
  }

  private async run(): Promise<void> {
    const { project, progress, prober, earlier, log } = this.options;
    const events = spawn(
      'docker',
      [
        'events',
        '--filter',
        'type=container',
        '--filter',
        `label=com.docker.compose.project=${project}`,
        '--format',
        '{{json .}}',
      ],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    events.on('error', () => {});
    const started = new Map<string, ContainerStatus>();
    let changed = true;
    let partial = '';
    events.stdout.on('data', (chunk: Buffer) => {
      const lines = (partial + String(chunk)).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        const event = parseContainerEvent(line);
        if (!event || !CHANGES.test(event.action)) continue;
        changed = true;
        if (event.action === 'start') started.set(event.status.id ?? '', event.status);
        else if (event.action === 'die' || event.action === 'destroy') started.delete(event.status.id ?? '');
      }
    });
    // `docker ps` waits for each container being started (its lock), seconds while several start: the
    // list is read in the background, and a start event makes a container count as running meanwhile.
    let listed: ContainerStatus[] = [];
    let reading = false;
    let readAt = 0;
    let settledRead = false;
    const read = async () => {
      reading = true;
      readAt = Date.now();
      const afterSettle = this.final;
      try {
        listed = await labelledContainers(project);
        if (afterSettle) settledRead = true;
      } finally {
        reading = false;
      }
    };
    let heartbeatAt = Date.now();
    try {
      while (!this.stopped) {
        if (!reading && (changed || (this.final && !settledRead) || Date.now() - readAt > REREAD_MS)) {
          changed = false;
          void read();
        }
        // Until a list read after compose finished, a container that was there before may be replaced.
        const final = this.final && settledRead;
        const current = withStarted(listed, started);
        const counted = final ? current : current.filter((c) => !earlier.has(c.id ?? ''));
        const answering = await prober.answering(counted, progress.pending());
        for (const event of progress.update(counted, Date.now(), final, answering)) log(formatEvent(event));
        if (final && (progress.pending().length === 0 || progress.failed().length > 0)) return;
        if (Date.now() - heartbeatAt > HEARTBEAT_MS && progress.pending().length > 0) {
          log(`  … waiting for ${progress.pending().join(', ')}`);
          heartbeatAt = Date.now();
        }
        await sleep(ROUND_MS);
      }
    } finally {
      events.kill();
    }
  }
}

/** One line of `docker events --format '{{json .}}'`: the action, and the container as it stands after it. */
export function parseContainerEvent(line: string): { action: string; status: ContainerStatus } | undefined {
  try {
    const event = JSON.parse(line) as {
      Action?: string;
      Actor?: { ID?: string; Attributes?: Record<string, string> };
    };
    const attributes = event.Actor?.Attributes ?? {};
    const service = attributes['com.docker.compose.service'];
    if (!event.Action || !event.Actor?.ID || !service) return undefined;
    return {
      action: event.Action,
      status: {
        service,
        name: attributes.name ?? '',
        id: event.Actor.ID,
        state: 'running',
        health: 'starting',
        exitCode: Number(attributes.exitCode ?? 0),
      },
    };
  } catch {
    return undefined;
  }
}

/**
 * The listed containers, with those a start event has shown running since the list was read (listed
 * as created, or not yet) counted as running and starting.
 */
export function withStarted(
  listed: readonly ContainerStatus[],
  started: ReadonlyMap<string, ContainerStatus>,
): ContainerStatus[] {
  const byId = new Map(listed.map((c) => [c.id ?? c.name, c]));
  for (const [id, status] of started) {
    const seen = byId.get(id);
    if (!seen || seen.state === 'created') byId.set(id, status);
  }
  return [...byId.values()];
}
