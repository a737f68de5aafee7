import os from 'node:os';
import { $ } from 'zx/core';
import type { DevService, PublishedPort } from './model.ts';
import { isPortTaken, processHoldingPort } from './ports.ts';
import { formatBytes } from './units.ts';

/** One failed check: a single actionable line. */
export interface PreflightProblem {
  check: 'engine' | 'compose' | 'port' | 'memory';
  message: string;
}

/**
 * The engine as the docker CLI (and so compose) sees it: `docker version` answers with the server's
 * version, or fails saying why.
 */
export function checkEngine(
  result: { exitCode: number; stdout: string; stderr: string } | 'no-cli',
  env: NodeJS.ProcessEnv = process.env,
): PreflightProblem | undefined {
  if (result === 'no-cli') {
    return {
      check: 'engine',
      message:
        'docker CLI not found on PATH — install Docker (engine, CLI and the compose v2 plugin), or open the devcontainer',
    };
  }
  if (result.exitCode === 0 && result.stdout.trim() !== '') return undefined;
  const where =
    env.DOCKER_HOST || (env.DOCKER_CONTEXT ? `context ${env.DOCKER_CONTEXT}` : 'unix:///var/run/docker.sock');
  const detail = result.stderr.trim().split('\n').at(-1) ?? '';
  return {
    check: 'engine',
    message: `Docker engine not reachable at ${where}${detail ? ` (${detail})` : ''} — start Docker (or set DOCKER_HOST), or open the devcontainer`,
  };
}

/** Compose v2 answers `docker compose version --short` with e.g. "2.26.1" or "v2.29.7-desktop.1". */
export function checkComposeVersion(exitCode: number, stdout: string): PreflightProblem | undefined {
  const version = stdout.trim().replace(/^v/, '');
  const major = Number(version.split('.')[0]);
  if (exitCode !== 0 || !Number.isFinite(major)) {
    return {
      check: 'compose',
      message:
        'docker compose v2 not found — install the Docker Compose v2 plugin (`docker compose version` must answer), or open the devcontainer',
    };
  }
  if (major < 2) {
    return {
      check: 'compose',
      message: `docker compose ${version} is too old — the dev environment needs compose v2 (profiles, depends_on conditions)`,
    };
  }
  return undefined;
}

export interface PortHolderLookup {
  /** The container publishing this host port, with its compose project, if any. */
  container: (port: number) => Promise<{ name: string; project?: string } | undefined>;
  /** The host process listening on it, if visible. */
  process: (port: number) => Promise<string | undefined>;
}

export const portHoldersOnThisHost = (container: PortHolderLookup['container']): PortHolderLookup => ({
  container,
  process: (port) => processHoldingPort(port),
});

// Alloy publishes several ports; compose/compose.yaml names each one's variable.
const ALLOY_PORT_VARIABLES: Record<number, string> = {
  4317: 'OTLP_GRPC_PORT',
  4318: 'OTLP_HTTP_PORT',
  12347: 'FARO_PORT',
};

/** The environment variable compose/compose.yaml reads to move this published port. */
export function portVariable(port: PublishedPort): string {
  if (port.service === 'alloy' && ALLOY_PORT_VARIABLES[port.containerPort]) {
    return ALLOY_PORT_VARIABLES[port.containerPort] ?? '';
  }
  return `${port.service.toUpperCase().replace(/-/g, '_')}_PORT`;
}

/**
 * Every published port must be free, unless this project's own container already holds it (a second
 * `npm run dev` is then a no-op for that service). The message names the port, what it is for and
 * what holds it.
 */
export async function checkPorts(
  ports: PublishedPort[],
  project: string,
  holders: PortHolderLookup,
  isTaken: (port: number, host: string) => Promise<boolean> = isPortTaken,
): Promise<PreflightProblem[]> {
  const problems: PreflightProblem[] = [];
  for (const port of ports) {
    const host = port.hostIp === '0.0.0.0' ? '0.0.0.0' : port.hostIp;
    if (!(await isTaken(port.hostPort, host))) continue;
    const container = await holders.container(port.hostPort);
    if (container?.project === project) continue;
    const holder = container
      ? `container ${container.name}${container.project ? ` (compose project ${container.project})` : ''}`
      : ((await holders.process(port.hostPort)) ?? 'another process');
    const variable = portVariable(port);
    problems.push({
      check: 'port',
      message: `port ${port.hostPort} (${port.service}) is taken by ${holder} — stop it, or publish ${port.service} elsewhere with ${variable}=<port> npm run dev`,
    });
  }
  return problems;
}

/**
 * The containers about to start reserve memory (deploy.resources.reservations); the machine must
 * have that much available. Services already running are not counted again.
 */
export function checkMemory(
  starting: DevService[],
  availableBytes: number = os.freemem(),
): PreflightProblem | undefined {
  const needed = starting.reduce((sum, service) => sum + service.memoryReservationBytes, 0);
  if (needed <= availableBytes) return undefined;
  return {
    check: 'memory',
    message: `not enough memory: the stack reserves ${formatBytes(needed)} and only ${formatBytes(availableBytes)} is available — close other programs, give the Docker VM more memory, or start only the app with npm run dev -- --profile app`,
  };
}

/** The checks that need only the docker CLI: engine reachable, compose v2 present. */
export async function checkToolchain(): Promise<string | undefined> {
  const run = $({ quiet: true, nothrow: true });
  const [version, compose] = await Promise.all([
    run`docker version --format ${'{{.Server.Version}}'}`.catch(() => 'no-cli' as const),
    run`docker compose version --short`.catch(() => undefined),
  ]);
  const cli = version === 'no-cli' || version.exitCode === 127 ? 'no-cli' : version;
  const engineProblem = checkEngine(
    cli === 'no-cli' ? cli : { exitCode: cli.exitCode ?? 1, stdout: cli.stdout, stderr: cli.stderr },
  );
  if (engineProblem) return engineProblem.message;
  return checkComposeVersion(compose?.exitCode ?? 1, compose?.stdout ?? '')?.message;
}
