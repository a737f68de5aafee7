import { readFileSync } from 'node:fs';
import path from 'node:path';
import { imagePins, serviceImageRecipe } from '@telemetry-kit/testkit';
import { describe, expect, it } from 'vitest';
import { composePublishedPorts, composeSource, root } from './compose-file.ts';

const REPO_ROOT = root;
// biome-ignore lint/suspicious/noTemplateCurlyInString: compose's interpolation, not a template
const VERSION_FROM_DEV = '${SERVICE_VERSION:-dev}';
// biome-ignore lint/suspicious/noTemplateCurlyInString: the Dockerfile's interpolation, not a template
const NODE_BASE = '${NODE_IMAGE}';

const { services, volumes } = composeSource();
const entries = Object.entries(services);
const completedDependencies = new Set(
  entries.flatMap(([, s]) =>
    Object.entries(s.depends_on ?? {})
      .filter(([, d]) => d.condition === 'service_completed_successfully')
      .map(([name]) => name),
  ),
);

describe('compose/compose.yaml conventions', () => {
  it('puts the app in profile `app` and the stack in profile `telemetry`', () => {
    const inProfile = (profile: string) =>
      entries
        .filter(([, s]) => s.profiles?.includes(profile))
        .map(([name]) => name)
        .sort();
    expect(inProfile('app')).toEqual(
      [
        'gateway',
        'gateway-migrate',
        'llm-emulator',
        'marketplace',
        'marketplace-migrate',
        'postgres',
        'rituals',
        'web',
      ].sort(),
    );
    expect(inProfile('telemetry')).toEqual(
      expect.arrayContaining(['alertmanager', 'alloy', 'grafana', 'loki', 'prometheus', 'tempo']),
    );
    for (const [name, s] of entries) expect(s.profiles?.length, `${name} has a profile`).toBe(1);
  });

  it('gives every long-running container a healthcheck; one-shots are awaited to exit 0 instead', () => {
    for (const [name, s] of entries) {
      if (completedDependencies.has(name)) {
        expect(s.restart, `${name} is a one-shot`).toBe('no');
        continue;
      }
      expect(s.healthcheck?.disable, name).not.toBe(true);
      expect(s.healthcheck?.test?.length, `${name} has a healthcheck`).toBeGreaterThan(0);
    }
  });

  it('publishes ports on 127.0.0.1 only, each movable by a *_PORT variable, none twice', () => {
    const ports = composePublishedPorts();
    for (const port of ports) {
      expect(port.hostIp, `${port.service}: ${port.spec}`).toBe('127.0.0.1');
      expect(port.variable, `${port.service}: ${port.spec}`).toMatch(/_PORT$/);
    }
    const hostPorts = ports.map((p) => p.hostPort);
    expect(new Set(hostPorts).size).toBe(hostPorts.length);
  });

  it('limits the memory of every container', () => {
    for (const [name, s] of entries) expect(s.deploy?.resources?.limits?.memory, name).toMatch(/^\d+[mg]$/);
  });

  it('keeps data in named volumes; bind mounts are read-only (configs, /proc, /sys, the Docker socket)', () => {
    for (const [name, s] of entries) {
      for (const volume of s.volumes ?? []) {
        const [source = '', , mode] = volume.split(':');
        if (source.startsWith('./') || source.startsWith('../') || source.startsWith('/')) {
          expect(mode, `${name}: ${volume}`).toBe('ro');
        } else {
          expect(Object.keys(volumes), `${name}: ${volume}`).toContain(source);
        }
      }
    }
  });

  it('takes every third-party image from images.env and builds every service from services/Dockerfile', () => {
    const pins = imagePins();
    for (const [name, s] of entries) {
      if (s.build) {
        expect(s.build.context, name).toBe('..');
        // The stage and SERVICE the testkit builds too (serviceImageRecipe): one recipe, however built.
        const recipe = serviceImageRecipe(REPO_ROOT, name);
        expect({ dockerfile: s.build.dockerfile, target: s.build.target }, name).toEqual({
          dockerfile: recipe.dockerfile,
          target: recipe.target,
        });
        const { SERVICE, SERVICE_VERSION, ...images } = s.build.args ?? {};
        expect(SERVICE, `${name} builds its own folder`).toBe(name);
        expect(SERVICE_VERSION, `${name}'s version comes from npm run dev (git)`).toBe(VERSION_FROM_DEV);
        for (const [arg, value] of Object.entries(images)) {
          expect(pins.has(arg), `${name} build arg ${arg} is pinned`).toBe(true);
          expect(value).toMatch(new RegExp(`^\\$\\{${arg}:\\?`));
        }
        continue;
      }
      const builder = entries.find(([, other]) => other.build && other.image === s.image);
      if (builder) continue; // reuses an image built here (the migrations run their service's image)
      const key = /^\$\{([A-Z_]+_IMAGE):\?[^}]*\}$/.exec(s.image ?? '')?.[1];
      expect(key, `${name} image ${s.image} comes from a pin`).toBeDefined();
      expect(pins.has(key ?? ''), `${key} is in images.env`).toBe(true);
    }
  });
});

describe('Prometheus scrape configuration', () => {
  const prometheusYml = readFileSync(path.join(root, 'compose/prometheus/prometheus.yml'), 'utf8');

  it('has one job per service, named after it, so up{job="<service>"} is the same selector everywhere', () => {
    for (const service of ['gateway', 'rituals', 'marketplace', 'llm-emulator', 'web']) {
      expect(prometheusYml).toContain(`job_name: ${service}\n`);
      const targets = JSON.parse(
        readFileSync(
          path.join(root, 'compose/prometheus/targets/containers', `${service}.generated.json`),
          'utf8',
        ),
      ) as Array<{ targets: string[] }>;
      expect(targets[0]?.targets).toEqual([`${service}:8080`]);
      expect(services[service], `compose has a ${service} service`).toBeDefined();
    }
  });

  it('evaluates the generated rule files and sends alerts to Alertmanager', () => {
    expect(prometheusYml).toMatch(/rule_files:\n\s+- \/etc\/prometheus\/rules\/\*\.yml/);
    expect(prometheusYml).toMatch(/targets: \[alertmanager:9093\]/);
    expect(services.prometheus?.volumes).toContain('./prometheus/rules:/etc/prometheus/rules:ro');
  });

  it('builds every service image on NODE_IMAGE alone: services/Dockerfile pins no base of its own', () => {
    const dockerfile = readFileSync(path.join(root, 'services/Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE$/m); // no default: images.env is the one pin
    const stages: string[] = [];
    for (const [, base, stage] of dockerfile.matchAll(/^FROM\s+(\S+)(?:\s+AS\s+(\S+))?/gim)) {
      expect(base === NODE_BASE || stages.includes(base ?? ''), `FROM ${base}`).toBe(true);
      if (stage) stages.push(stage);
    }
    expect(stages).toEqual(expect.arrayContaining(['service', 'rituals', 'web']));
    // SERVICE_VERSION reaches the telemetry (service.version) and the OCI revision label.
    expect(dockerfile).toMatch(/ENV [^\n]*SERVICE_VERSION=\$\{SERVICE_VERSION\}/);
    expect(dockerfile).toMatch(/org\.opencontainers\.image\.revision="\$\{SERVICE_VERSION\}"/);
  });
});
