// Docker sees a container healthy at its first probe, one interval after it starts: 5 s on an engine
// without start_interval (probes.ts says why not more often). The services this repository builds are
// ready about a second after their container starts, so `npm run dev` asks them itself: their readiness
// path on their port (the catalogue takes both from compose.yaml), over HTTP from the host at the
// container's address, every 200 ms while starting (startup.ts). Where the host cannot reach container addresses (Docker Desktop,
// rootless Docker), the probe never answers and Docker's own health decides, as before.
import type { CatalogueService } from '@telemetry-kit/observability-config/services';
import { $ } from 'zx/core';
import type { ContainerStatus } from './progress.ts';
import { answers200 } from './reload.ts';

/** Where a service answers readiness inside its container. */
export interface ReadinessProbe {
  port: number;
  path: string;
}

/** Each catalogue service's readiness probe: its PORT and its healthcheck's path (compose.yaml). */
export function readinessProbes(
  catalogue: ReadonlyArray<Pick<CatalogueService, 'name' | 'port' | 'readinessPath'>>,
): Map<string, ReadinessProbe> {
  return new Map(
    catalogue.map((service) => [service.name, { port: service.port, path: service.readinessPath }]),
  );
}

/** `docker inspect` output: a container's id, then its address on each network it joined. */
export function parseAddresses(stdout: string): Map<string, string> {
  const addresses = new Map<string, string>();
  for (const line of stdout.trim().split('\n')) {
    const [id, address] = line.trim().split(/\s+/);
    if (id && address) addresses.set(id, address);
  }
  return addresses;
}

/** Each container's address (the first network's), by id: one `docker inspect` for all. */
async function containerAddresses(ids: readonly string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const format = '{{.Id}}{{range .NetworkSettings.Networks}} {{.IPAddress}}{{end}}';
  const result = await $({ quiet: true, nothrow: true })`docker inspect --format ${format} ${ids}`;
  // A container removed meanwhile fails the command for itself only: the others are still printed.
  return parseAddresses(result.stdout);
}

/** Asks running containers of the probed services whether they are ready; remembers their addresses. */
export class ReadinessProber {
  private readonly probes: ReadonlyMap<string, ReadinessProbe>;
  private readonly addressesOf: (ids: readonly string[]) => Promise<Map<string, string>>;
  /** Container id → address ('' when it has none the host could use). */
  private readonly addresses = new Map<string, string>();

  /** @param addressesOf container id → address (docker inspect; a test passes its own) */
  constructor(
    probes: ReadonlyMap<string, ReadinessProbe>,
    addressesOf: (ids: readonly string[]) => Promise<Map<string, string>> = containerAddresses,
  ) {
    this.probes = probes;
    this.addressesOf = addressesOf;
  }

  /**
   * The services, among `services`, whose running container answers its readiness probe now. A
   * container is matched by id: one recreated under the same name has another address.
   */
  async answering(containers: readonly ContainerStatus[], services: readonly string[]): Promise<Set<string>> {
    const asked = containers.filter(
      (c) => c.state === 'running' && c.id && services.includes(c.service) && this.probes.has(c.service),
    );
    const unknown = asked.map((c) => c.id ?? '').filter((id) => !this.addresses.has(id));
    if (unknown.length > 0) {
      const found = await this.addressesOf(unknown);
      for (const id of unknown) this.addresses.set(id, found.get(id) ?? '');
    }
    const answered = await Promise.all(
      asked.map(async (container) => {
        const address = this.addresses.get(container.id ?? '');
        const probe = this.probes.get(container.service);
        if (!address || !probe) return undefined;
        const ready = await answers200(`http://${address}:${probe.port}${probe.path}`, 1_000);
        return ready ? container.service : undefined;
      }),
    );
    return new Set(answered.filter((service) => service !== undefined));
  }
}
