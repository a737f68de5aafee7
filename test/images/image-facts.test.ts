import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parsePinFile } from '@telemetry-kit/testkit';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { ComposeServiceSource } from '../dev/compose-file.ts';
import { composePublishedPorts, composeSource, root } from '../dev/compose-file.ts';
import type { ImageFacts } from './image-facts.ts';
import { factsFor, IMAGE_FACTS, TEMPO_EXEMPLAR_TRACE_ID_LABEL } from './image-facts.ts';

const pins = parsePinFile(readFileSync(path.join(root, 'images.env'), 'utf8'));
const { services } = composeSource();

/** The images.env variable a compose service's image comes from (built services: their base image). */
function imageVariable(spec: ComposeServiceSource): string | undefined {
  if (spec.build) return 'NODE_IMAGE';
  return /^\$\{([A-Z_]+_IMAGE)[:?}]/.exec(spec.image ?? '')?.[1];
}

const servicesOnImages = Object.entries(services).flatMap(([name, spec]) => {
  const variable = imageVariable(spec);
  return variable ? [{ name, spec, facts: factsFor(variable) }] : [];
});

/** Whether the image has this executable: named exactly, or on PATH under that name. */
function hasBinary(facts: ImageFacts, binary: string): boolean {
  return facts.binaries.value.some(
    (b) => b === binary || (!binary.includes('/') && path.basename(b) === binary),
  );
}

/** The executables a healthcheck runs: the command itself, or each alternative of a shell line. */
function healthcheckBinaries(test: string[]): { all: string[]; anyOf?: string[] } {
  const [kind, ...rest] = test;
  if (kind === 'CMD-SHELL') {
    const alternatives = (rest[0] ?? '').split('||').map((part) => part.trim().split(/\s+/)[0] ?? '');
    return { all: ['sh'], anyOf: alternatives };
  }
  return { all: [rest[0] ?? ''] };
}

/** The port and path a healthcheck asks, where it names them. */
function healthcheckTarget(test: string[]): { port: number; path?: string } | undefined {
  const text = test.join(' ');
  const url = /https?:\/\/127\.0\.0\.1:(\d+)(\/[^\s'"]*)?/.exec(text);
  if (url) return { port: Number(url[1]), ...(url[2] ? { path: url[2] } : {}) };
  const tcp = /\/dev\/tcp\/127\.0\.0\.1\/(\d+)/.exec(text);
  const request = /GET (\/\S*) HTTP/.exec(text);
  if (tcp) return { port: Number(tcp[1]), ...(request?.[1] ? { path: request[1] } : {}) };
  return undefined;
}

describe('image facts (test/images/image-facts.ts) against the pins', () => {
  it.each(IMAGE_FACTS.map((f) => [f.variable, f] as const))(
    '%s: the facts were read at the pinned tag',
    (variable, facts) => {
      const pinned = pins
        .get(variable as never)
        ?.split(':')
        .at(-1);
      expect(
        pinned,
        `images.env pins ${variable}=${pins.get(variable as never)}; read the upstream files at that tag and update test/images/image-facts.ts`,
      ).toBe(facts.tag);
    },
  );

  it('records every third-party image images.env pins (the Debian base only builds stand-ins)', () => {
    const recorded = IMAGE_FACTS.map((f) => f.variable).sort();
    expect(recorded).toEqual([...pins.keys()].filter((v) => v !== 'DEBIAN_IMAGE').sort());
  });

  it('names an upstream file for every fact', () => {
    for (const facts of IMAGE_FACTS) {
      for (const fact of [
        facts.binaries,
        facts.uid,
        facts.ports,
        facts.readiness,
        facts.configPath,
        facts.ownedDirectories,
      ]) {
        if (fact) expect(fact.source, facts.variable).toMatch(/^(\S+@\S+:\S+|packages\/\S+)/);
      }
    }
  });
});

describe('compose/compose.yaml against the image facts', () => {
  it.each(servicesOnImages.filter((s) => s.spec.healthcheck?.test).map((s) => [s.name, s] as const))(
    '%s: the healthcheck runs only what the image has',
    (name, { spec, facts }) => {
      const test = spec.healthcheck?.test ?? [];
      const { all, anyOf } = healthcheckBinaries(test);
      for (const binary of all) {
        expect(
          hasBinary(facts, binary),
          `${name}'s healthcheck runs ${binary}; ${facts.binaries.source} has ${facts.binaries.value.join(', ')}`,
        ).toBe(true);
      }
      if (anyOf) {
        expect(
          anyOf.some((binary) => hasBinary(facts, binary)),
          `${name}: none of ${anyOf.join(', ')} is in ${facts.binaries.source}`,
        ).toBe(true);
      }
    },
  );

  it.each(servicesOnImages.filter((s) => s.spec.healthcheck?.test).map((s) => [s.name, s] as const))(
    '%s: the healthcheck asks the readiness port and path upstream documents',
    (name, { spec, facts }) => {
      const target = healthcheckTarget(spec.healthcheck?.test ?? []);
      const readiness = facts.readiness.value;
      if (!target || !('port' in readiness)) return;
      expect(target.port, `${name} (${facts.readiness.source})`).toBe(readiness.port);
      if (target.path) expect(target.path, `${name} (${facts.readiness.source})`).toBe(readiness.path);
    },
  );

  it('has a readiness target in every HTTP healthcheck it can read', () => {
    const probed = servicesOnImages.filter(
      (s) => s.spec.healthcheck?.test && healthcheckTarget(s.spec.healthcheck.test),
    );
    expect(probed.map((s) => s.name)).toEqual(
      expect.arrayContaining(['alloy', 'loki', 'tempo', 'grafana', 'prometheus']),
    );
  });

  it.each(servicesOnImages.map((s) => [s.name, s] as const))(
    '%s: publishes only ports the image listens on',
    (name, { spec, facts }) => {
      const containerPorts = (spec.ports ?? []).map((p) => Number(p.split(':').at(-1)));
      const listening = [
        ...Object.values(facts.ports.value),
        ...('port' in facts.readiness.value ? [facts.readiness.value.port] : []),
      ];
      for (const port of containerPorts) expect(listening, `${name} publishes ${port}`).toContain(port);
    },
  );

  it.each(
    servicesOnImages.filter((s) => !s.spec.build && s.facts.uid.value !== 0).map((s) => [s.name, s] as const),
  )('%s: keeps its data in a volume the image’s user owns', (name, { spec, facts }) => {
    const named = (spec.volumes ?? []).filter((v) => !v.startsWith('.') && !v.startsWith('/'));
    for (const volume of named) {
      const target = volume.split(':')[1] ?? '';
      expect(
        facts.ownedDirectories?.value ?? [],
        `${name} mounts ${volume}, but uid ${facts.uid.value} owns only what ${facts.ownedDirectories?.source ?? 'nothing recorded'} says`,
      ).toContain(target);
    }
  });

  it.each(servicesOnImages.filter((s) => s.facts.configPath).map((s) => [s.name, s] as const))(
    '%s: reads the configuration compose mounts',
    (name, { spec, facts }) => {
      const mounts = (spec.volumes ?? []).filter((v) => v.startsWith('./')).map((v) => v.split(':')[1]);
      if (mounts.length === 0) return;
      const command = (spec as { command?: string[] }).command ?? [];
      const flagged = command.map((arg) => /^--?config\.file=(.+)$/.exec(arg)?.[1]).find(Boolean);
      const positional = command.find((arg) => arg === facts.configPath?.value);
      const read = flagged ?? positional ?? facts.configPath?.value;
      expect(mounts, `${name} reads ${read} (${facts.configPath?.source})`).toContain(read);
    },
  );

  it('starts no one-shot that needs a tool the image lacks (Tempo has no chown since 2.9.3)', () => {
    for (const { name, spec, facts } of servicesOnImages) {
      const entrypoint = (spec as { entrypoint?: string[] }).entrypoint?.[0];
      if (entrypoint) expect(hasBinary(facts, entrypoint), `${name} runs ${entrypoint}`).toBe(true);
    }
  });
});

describe('packages/testkit against the image facts', () => {
  const modules = readdirSync(path.join(root, 'packages/testkit/src'), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('-container.ts'))
    .map((file) => ({ file, text: readFileSync(path.join(root, 'packages/testkit/src', file), 'utf8') }))
    .map((m) => ({ ...m, variable: /resolveImage\('([A-Z_]+)'\)/.exec(m.text)?.[1] }))
    .filter(
      (m): m is typeof m & { variable: string } => m.variable !== undefined && m.variable !== 'NODE_IMAGE',
    );

  it('finds the container modules', () => {
    expect(modules.map((m) => m.variable).sort()).toEqual([
      'ALERTMANAGER_IMAGE',
      'ALLOY_IMAGE',
      'GRAFANA_IMAGE',
      'LOKI_IMAGE',
      'OTEL_LGTM_IMAGE',
      'PROMETHEUS_IMAGE',
      'TEMPO_IMAGE',
    ]);
  });

  it.each(modules.map((m) => [m.file, m] as const))(
    '%s waits on the readiness upstream documents',
    (file, { text, variable }) => {
      const facts = factsFor(variable);
      const readiness = facts.readiness.value;
      if ('logged' in readiness) {
        const pattern = /Wait\.forLogMessage\(\s*\/(.+)\/\s*,?\s*\)/.exec(text)?.[1];
        expect(pattern, file).toBeDefined();
        expect(readiness.logged, `${file} waits for /${pattern}/ (${facts.readiness.source})`).toMatch(
          new RegExp(pattern ?? '$^'),
        );
        return;
      }
      const wait = /Wait\.forHttp\('([^']+)',\s*([A-Z_]+)\)/.exec(text);
      expect(wait, `${file} has no Wait.forHttp`).not.toBeNull();
      const port = Number(new RegExp(`const ${wait?.[2]} = (\\d+);`).exec(text)?.[1]);
      expect({ port, path: wait?.[1] }, `${file} (${facts.readiness.source})`).toEqual(readiness);
    },
  );
});

describe('.devcontainer.json and Grafana against the image facts', () => {
  it('forwards only ports compose publishes', () => {
    const devcontainer = parse(readFileSync(path.join(root, '.devcontainer.json'), 'utf8')) as {
      forwardPorts: number[];
    };
    const published = composePublishedPorts().map((p) => p.hostPort);
    for (const port of devcontainer.forwardPorts) expect(published, `forwardPorts ${port}`).toContain(port);
  });

  it('links exemplars labelled the way Tempo labels them to Tempo', () => {
    const datasources = parse(
      readFileSync(path.join(root, 'compose/grafana/provisioning/datasources/datasources.yaml'), 'utf8'),
    ) as {
      datasources: Array<{
        uid: string;
        jsonData: { exemplarTraceIdDestinations?: Array<{ name: string; datasourceUid: string }> };
      }>;
    };
    const tempo = parse(readFileSync(path.join(root, 'compose/tempo/tempo.yaml'), 'utf8')) as {
      overrides?: { defaults?: { metrics_generator?: { trace_id_label_name?: string } } };
    };
    const label =
      tempo.overrides?.defaults?.metrics_generator?.trace_id_label_name ??
      TEMPO_EXEMPLAR_TRACE_ID_LABEL.value;
    const destinations =
      datasources.datasources.find((d) => d.uid === 'prometheus')?.jsonData.exemplarTraceIdDestinations ?? [];
    expect(
      destinations,
      `Tempo labels exemplars ${label} (${TEMPO_EXEMPLAR_TRACE_ID_LABEL.source})`,
    ).toContainEqual(expect.objectContaining({ name: label, datasourceUid: 'tempo' }));
  });
});
