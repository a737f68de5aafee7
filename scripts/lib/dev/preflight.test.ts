import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { DevService } from './model.ts';
import { isPortTaken, listeningInodes, processHoldingPort } from './ports.ts';
import { checkComposeVersion, checkEngine, checkMemory, checkPorts, portVariable } from './preflight.ts';

const noContainer = async () => undefined;

describe('preflight: the engine', () => {
  it('passes when `docker version` reports a server', () => {
    expect(checkEngine({ exitCode: 0, stdout: '20.10.24\n', stderr: '' })).toBeUndefined();
  });

  it('names where it looked, what docker said, and what to do, on one line', () => {
    const problem = checkEngine(
      {
        exitCode: 1,
        stdout: '',
        stderr: 'Cannot connect to the Docker daemon at unix:///x.sock. Is the docker daemon running?\n',
      },
      { DOCKER_HOST: 'unix:///x.sock' },
    );
    expect(problem?.message).toBe(
      'Docker engine not reachable at unix:///x.sock (Cannot connect to the Docker daemon at unix:///x.sock. Is the docker daemon running?) — start Docker (or set DOCKER_HOST), or open the devcontainer',
    );
  });

  it('says so when there is no docker CLI at all', () => {
    expect(checkEngine('no-cli')?.message).toMatch(/^docker CLI not found on PATH — install Docker/);
  });
});

describe('preflight: compose v2', () => {
  it('accepts compose v2 in its plain and desktop spellings', () => {
    expect(checkComposeVersion(0, '2.26.1\n')).toBeUndefined();
    expect(checkComposeVersion(0, 'v2.29.7-desktop.1')).toBeUndefined();
  });

  it('names the missing plugin and how to get it when `docker compose` does not answer', () => {
    const problem = checkComposeVersion(1, '');
    expect(problem?.message).toMatch(/^docker compose v2 not found — install the Docker Compose v2 plugin/);
  });

  it('refuses compose v1', () => {
    expect(checkComposeVersion(0, '1.29.2')?.message).toMatch(/1\.29\.2 is too old/);
  });
});

describe('preflight: ports', () => {
  let server: net.Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  const listen = () =>
    new Promise<number>((resolve) => {
      server = net.createServer().listen(0, '127.0.0.1', () => {
        const address = server?.address();
        resolve(typeof address === 'object' && address ? address.port : 0);
      });
    });

  it('names the port, the component and the process holding it', async () => {
    const port = await listen();
    const problems = await checkPorts(
      [{ service: 'prometheus', hostIp: '127.0.0.1', hostPort: port, containerPort: 9090 }],
      'telemetry-kit',
      { container: noContainer, process: processHoldingPort },
    );
    expect(problems).toHaveLength(1);
    expect(problems[0]?.message).toBe(
      `port ${port} (prometheus) is taken by node (pid ${process.pid}) — stop it, or publish prometheus elsewhere with PROMETHEUS_PORT=<port> npm run dev`,
    );
  });

  it('names the container when a container of another project publishes the port', async () => {
    const problems = await checkPorts(
      [{ service: 'grafana', hostIp: '127.0.0.1', hostPort: 3001, containerPort: 3000 }],
      'telemetry-kit',
      {
        container: async () => ({ name: 'other-grafana-1', project: 'other' }),
        process: async () => undefined,
      },
      async () => true,
    );
    expect(problems[0]?.message).toMatch(
      /^port 3001 \(grafana\) is taken by container other-grafana-1 \(compose project other\) — /,
    );
  });

  it("accepts a port held by this project's own container (running npm run dev twice)", async () => {
    const problems = await checkPorts(
      [{ service: 'grafana', hostIp: '127.0.0.1', hostPort: 3001, containerPort: 3000 }],
      'telemetry-kit',
      {
        container: async () => ({ name: 'telemetry-kit-grafana-1', project: 'telemetry-kit' }),
        process: noContainer,
      },
      async () => true,
    );
    expect(problems).toEqual([]);
  });

  it('finds a free port free and a listening one taken', async () => {
    const port = await listen();
    expect(await isPortTaken(port)).toBe(true);
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    server = undefined;
    expect(await isPortTaken(port)).toBe(false);
  });

  it('reads listening sockets from /proc/net/tcp and ignores connections in other states', () => {
    const table = [
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
      '   0: 0100007F:2382 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4242 1',
      '   1: 0100007F:2382 0100007F:D2F0 01 00000000:00000000 00:00000000 00000000     0        0 4343 1',
    ].join('\n');
    expect(listeningInodes(table, 0x2382)).toEqual(['4242']);
  });

  it("names Alloy's several ports by their own variables", () => {
    expect(portVariable({ service: 'alloy', hostIp: '127.0.0.1', hostPort: 4318, containerPort: 4318 })).toBe(
      'OTLP_HTTP_PORT',
    );
    expect(portVariable({ service: 'llm-emulator', hostIp: '', hostPort: 1, containerPort: 8080 })).toBe(
      'LLM_EMULATOR_PORT',
    );
  });
});

describe('preflight: memory', () => {
  const reserving = (bytes: number): DevService => ({
    name: 'x',
    profiles: [],
    image: 'x',
    ports: [],
    dependsOn: [],
    oneShot: false,
    memoryLimitBytes: bytes,
    memoryReservationBytes: bytes,
  });

  it('passes when the reservations fit in the available memory', () => {
    expect(checkMemory([reserving(2 ** 30)], 2 * 2 ** 30)).toBeUndefined();
  });

  it('names what is needed and what is available when they do not', () => {
    expect(checkMemory([reserving(2 ** 30), reserving(2 ** 29)], 2 ** 30)?.message).toMatch(
      /^not enough memory: the stack reserves 1\.5 GiB and only 1\.0 GiB is available — /,
    );
  });
});
