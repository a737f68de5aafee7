import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { $ } from 'zx';
import { composePublishedPorts } from './compose-file.ts';

const root = path.resolve(import.meta.dirname, '../..');

interface DevcontainerConfig {
  image: string;
  features: Record<string, Record<string, unknown>>;
  forwardPorts: number[];
  portsAttributes: Record<string, { label?: string; onAutoForward?: string }>;
  postCreateCommand: string;
  hostRequirements: { cpus: number; memory: string; storage: string };
}

// The devcontainers CLI is the reference reader of devcontainer.json (JSON with comments): if it
// cannot read the file, neither can VS Code or Codespaces.
let cached: Promise<DevcontainerConfig> | undefined;
const read = () => {
  cached ??= readConfiguration();
  return cached;
};
const readConfiguration = async () => {
  const result = await $({
    cwd: root,
    quiet: true,
    // read-configuration also asks Docker for an existing container of this folder (`docker ps`);
    // reading the file needs no engine, so `true` stands in for the docker binary.
  })`devcontainer read-configuration --workspace-folder ${root} --docker-path true`;
  return (JSON.parse(result.stdout) as { configuration: DevcontainerConfig }).configuration;
};

describe('the devcontainer (.devcontainer.json)', { timeout: 30_000 }, () => {
  it('reads with @devcontainers/cli read-configuration', async () => {
    const config = await read();
    expect(config.image).toMatch(/^mcr\.microsoft\.com\/devcontainers\/typescript-node:/);
  });

  it('runs the Node major named in .node-version', async () => {
    const major = readFileSync(path.join(root, '.node-version'), 'utf8').trim().split('.')[0];
    expect((await read()).image).toMatch(new RegExp(`:(\\d+-)?${major}-`));
  });

  it('has its own Docker engine with compose v2 (docker-in-docker)', async () => {
    const features = (await read()).features;
    const dind = Object.entries(features).find(([id]) =>
      id.startsWith('ghcr.io/devcontainers/features/docker-in-docker:'),
    );
    expect(dind, 'the docker-in-docker feature').toBeDefined();
    expect(dind?.[1].dockerDashComposeVersion).toBe('v2');
  });

  it('forwards the entry points compose publishes, each with a label, and opens Grafana in the browser', async () => {
    const config = await read();
    const published = composePublishedPorts();
    const portOf = (service: string) => published.find((p) => p.service === service)?.hostPort;
    const publishedPorts = published.map((p) => p.hostPort);
    for (const port of config.forwardPorts) {
      expect(publishedPorts, `forwarded port ${port} is published by compose`).toContain(port);
      expect(config.portsAttributes[port]?.label, `port ${port} has a label`).toBeTruthy();
    }
    for (const service of ['web', 'gateway', 'grafana', 'prometheus', 'alertmanager']) {
      expect(config.forwardPorts, `${service} is forwarded`).toContain(portOf(service));
    }
    expect(config.portsAttributes[String(portOf('grafana'))]).toMatchObject({
      label: 'Grafana',
      onAutoForward: 'openBrowser',
    });
  });

  it('installs the dependencies after creation and states what the host needs', async () => {
    const config = await read();
    expect(config.postCreateCommand).toMatch(/^npm ci\b/);
    expect(config.hostRequirements.cpus).toBeGreaterThanOrEqual(2);
    expect(config.hostRequirements.memory).toMatch(/^\d+gb$/);
  });
});
