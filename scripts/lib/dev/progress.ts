/** One container as `docker compose ps --all --format json` reports it. */
export interface ContainerStatus {
  service: string;
  name: string;
  /** The container's id (`docker ps` reads it; compose's ps lines are not asked for it). */
  id?: string;
  state: string;
  /** "healthy", "unhealthy", "starting" or "" (no healthcheck). */
  health: string;
  exitCode: number;
  /** The image it runs, and the commit that image was built from (its OCI revision label), if known. */
  image?: string;
  revision?: string;
  /** Host ports it publishes (docker ps: "127.0.0.1:8080->8080/tcp"). */
  hostPorts?: number[];
}

interface PsLine {
  Service: string;
  Name: string;
  State: string;
  Health?: string;
  ExitCode?: number;
}

/** Compose prints one JSON object per line since 2.21, a JSON array before: both are read. */
export function parsePs(stdout: string): ContainerStatus[] {
  const text = stdout.trim();
  if (text === '') return [];
  const rows: PsLine[] = text.startsWith('[')
    ? (JSON.parse(text) as PsLine[])
    : text.split('\n').map((line) => JSON.parse(line) as PsLine);
  return rows.map((row) => ({
    service: row.Service,
    name: row.Name,
    state: row.State,
    health: row.Health ?? '',
    exitCode: row.ExitCode ?? 0,
  }));
}

/**
 * `docker ps --all --format '{{json .}}'` lines of one project's containers, read like compose's ps:
 * the service from the compose label, the health and exit code from the status ("Up 3 minutes
 * (healthy)", "Exited (1) 2 seconds ago"). A tenth of the time `docker compose ps` takes.
 */
export function parseDockerPs(stdout: string): ContainerStatus[] {
  return stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map(
      (line) =>
        JSON.parse(line) as {
          ID: string;
          Names: string;
          State: string;
          Status: string;
          Labels: string;
          Image: string;
          Ports: string;
        },
    )
    .map((row) => ({
      image: row.Image,
      revision: /(?:^|,)org\.opencontainers\.image\.revision=([^,]+)/.exec(row.Labels)?.[1],
      hostPorts: [...row.Ports.matchAll(/:(\d+)->/g)].map((m) => Number(m[1])),
      service: /(?:^|,)com\.docker\.compose\.service=([^,]+)/.exec(row.Labels)?.[1] ?? '',
      name: row.Names,
      id: row.ID,
      state: row.State,
      health: /\((healthy|unhealthy|health: starting)\)/.exec(row.Status)?.[1]?.replace('health: ', '') ?? '',
      exitCode: Number(/^Exited \((\d+)\)/.exec(row.Status)?.[1] ?? 0),
    }));
}

export type Readiness = 'waiting' | 'ready' | 'failed';

/**
 * Ready = healthy, or answering its readiness probe from the host (readiness.ts) before Docker's next
 * probe says so, or running without a healthcheck, or a one-shot that exited 0. While compose is still
 * starting things, `unhealthy` and `exited` are not final: a container left so by an earlier run, or
 * stopped because its configuration changed (137 when it took longer than compose's 10 s), is about to
 * be recreated. Once compose has started everything, they are.
 */
export function readiness(
  status: ContainerStatus | undefined,
  oneShot: boolean,
  final = false,
  answers = false,
): Readiness {
  if (!status) return 'waiting';
  if (oneShot) {
    if (status.state === 'exited') return status.exitCode === 0 ? 'ready' : 'failed';
    return 'waiting';
  }
  if (status.state === 'exited' || status.state === 'dead' || status.health === 'unhealthy')
    return final ? 'failed' : 'waiting';
  if (status.health === 'healthy') return 'ready';
  if (answers && status.state === 'running') return 'ready';
  if (status.health === '' && status.state === 'running') return 'ready';
  return 'waiting';
}

export interface ProgressEvent {
  service: string;
  readiness: Exclude<Readiness, 'waiting'>;
  /** Seconds since the start of `npm run dev`. */
  seconds: number;
  detail: string;
}

/**
 * Turns successive `compose ps` snapshots into one event per component: when it became ready (its
 * start time) or failed. Each component is reported once.
 */
export class StartupProgress {
  private readonly reported = new Map<string, ProgressEvent>();
  private readonly left = new Set<string>();
  private readonly services: ReadonlyMap<string, boolean>;
  private readonly startedAt: number;

  /** @param services service name → whether it is a one-shot */
  constructor(services: ReadonlyMap<string, boolean>, startedAt: number) {
    this.services = services;
    this.startedAt = startedAt;
  }

  /**
   * @param final true once compose has started everything: a container exited or unhealthy then has failed.
   * @param answering the services whose container answered its readiness probe just now.
   */
  update(
    statuses: ContainerStatus[],
    now: number,
    final = false,
    answering: ReadonlySet<string> = new Set(),
  ): ProgressEvent[] {
    const events: ProgressEvent[] = [];
    for (const [service, oneShot] of this.services) {
      if (this.reported.has(service) || this.left.has(service)) continue;
      const status = statuses.find((s) => s.service === service);
      const state = readiness(status, oneShot, final, answering.has(service));
      if (state === 'waiting' || !status) continue;
      const detail =
        state === 'failed'
          ? status.state === 'exited'
            ? `exited with code ${status.exitCode}`
            : status.health || status.state
          : oneShot
            ? 'done'
            : status.health === ''
              ? 'running'
              : status.health === 'healthy'
                ? 'healthy'
                : 'ready';
      const event: ProgressEvent = {
        service,
        readiness: state,
        seconds: (now - this.startedAt) / 1000,
        detail,
      };
      this.reported.set(service, event);
      events.push(event);
    }
    return events;
  }

  /** Stops waiting for these components (a migration not run: its schema is at head). */
  leaveOut(services: readonly string[]): void {
    for (const service of services) this.left.add(service);
  }

  /** Components not yet ready nor failed. */
  pending(): string[] {
    return [...this.services.keys()].filter(
      (service) => !this.reported.has(service) && !this.left.has(service),
    );
  }

  events(): ProgressEvent[] {
    return [...this.reported.values()];
  }

  failed(): ProgressEvent[] {
    return this.events().filter((event) => event.readiness === 'failed');
  }
}

export function formatEvent(event: ProgressEvent): string {
  const mark = event.readiness === 'ready' ? '✓' : '✗';
  const hint = event.readiness === 'failed' ? ` — see its logs: npm run dev:logs ${event.service}` : '';
  return `  ${mark} ${event.service.padEnd(20)} ${event.detail.padEnd(10)} ${event.seconds.toFixed(1).padStart(6)}s${hint}`;
}
