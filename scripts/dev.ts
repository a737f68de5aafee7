#!/usr/bin/env tsx
// npm run dev [-- --native] [-- --profile app|telemetry]   the local environment (docker compose)
// npm run dev -- --watch                                     …and edits reach the running services (Ctrl-C stops watching)
// npm run dev:down [-- --volumes]                           stop and remove it (--volumes wipes data)
// npm run dev:status                                        each component's state, health, memory, version, URL, image
// npm run dev:logs [service]                                follow the logs
// Logic lives in scripts/lib/dev/; this file parses arguments and prints.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { $ } from 'zx/core';
import { loadProject, REPO_ROOT, sourceRevision } from './lib/dev/compose.ts';
import { inProfiles } from './lib/dev/model.ts';
import {
  NATIVE_CONTAINERS,
  NATIVE_PORTS,
  nativeEnvironment,
  nativePlan,
  unbuiltServices,
} from './lib/dev/native.ts';
import { runNative } from './lib/dev/native-run.ts';
import { up, watchedServices } from './lib/dev/up.ts';
import { entryPoints, formatTable } from './lib/dev/urls.ts';
import { down, followWatch, logs, status } from './lib/dev/verbs.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    native: { type: 'boolean', default: false },
    profile: { type: 'string', multiple: true },
    volumes: { type: 'boolean', default: false },
    watch: { type: 'boolean', default: false },
  },
});
const [verb = 'up', service] = positionals;
// compose builds the images with it (services/Dockerfile SERVICE_VERSION); a value set by the caller wins.
process.env.SERVICE_VERSION ??= await sourceRevision();

if (verb === 'down') process.exit(await down({ volumes: values.volumes }));

if (verb === 'status') {
  const rows = await status();
  if (rows.length === 0) console.log('nothing running — start it with npm run dev');
  const header = {
    service: 'component',
    state: 'state',
    health: 'health',
    memory: 'memory',
    url: 'url',
    image: 'image',
    version: 'version',
  };
  const columns = ['service', 'state', 'health', 'memory', 'version', 'url', 'image'] as const;
  const widths = columns.map((c) => Math.max(...[header, ...rows].map((r) => r[c].length)));
  for (const row of [header, ...rows]) {
    console.log(
      columns
        .map((c, i) => row[c].padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    );
  }
  process.exit(0);
}

if (verb === 'logs') process.exit(await logs(service));

if (verb !== 'up') {
  console.error(`✗ unknown verb "${verb}" — use npm run dev, dev:down, dev:status or dev:logs`);
  process.exit(2);
}

if (!values.native) {
  const result = await up({ profiles: values.profile ?? ['app', 'telemetry'], watch: values.watch });
  if (result.exitCode !== 0 || !values.watch) process.exit(result.exitCode);
  const watched = watchedServices(result.started.filter((s) => s.dockerfile && !s.oneShot));
  const watch = followWatch(watched);
  process.once('SIGINT', watch.stop);
  process.once('SIGTERM', watch.stop);
  if (await watch.ready)
    console.log(`  watching ${watched.join(', ')}: an edit restarts its service; Ctrl-C stops watching`);
  process.exit(await watch.finished);
}
// --native: Postgres and the telemetry stack in containers, the Node services on the host under the
// reload supervisor: edits reload them with or without --watch.
const project = await loadProject({ native: true });
const onHost = inProfiles(project.services, ['app'])
  .map((s) => s.name)
  .filter((name) => !(NATIVE_CONTAINERS as readonly string[]).includes(name));
const plan = nativePlan(REPO_ROOT);
const stack = await up({ native: true, exclude: onHost, onHost: plan.processes.map((p) => p.service) });
if (stack.exitCode !== 0) process.exit(stack.exitCode);

// The one-shots (the migrations) run on the host too, as their containers would, before the services.
for (const oneShot of inProfiles(project.services, ['app']).filter((s) => s.oneShot && s.command)) {
  const [, script, ...rest] = oneShot.command ?? [];
  if (!script || !existsSync(path.join(REPO_ROOT, script))) continue;
  console.log(`… ${oneShot.name}: node ${script} ${rest.join(' ')}`);
  const env = { ...process.env, ...nativeEnvironment(oneShot.name.replace(/-migrate$/, '')) };
  const result = await $({
    cwd: REPO_ROOT,
    env,
    nothrow: true,
    quiet: true,
  })`${process.execPath} ${script} ${rest}`;
  if (result.exitCode !== 0) {
    console.error(
      `✗ ${oneShot.name} failed: ${result.stderr.trim().split('\n').at(-1)} — run it by hand: node ${script}`,
    );
    process.exit(1);
  }
}

if (plan.missing.length > 0) {
  console.log(
    `! not started on the host: ${plan.missing.map((m) => `${m.service} (${m.reason})`).join(', ')}`,
  );
}
if (plan.processes.length === 0) process.exit(1);
for (const service of unbuiltServices(
  REPO_ROOT,
  plan.processes.map((p) => p.service),
)) {
  console.log(`… ${service}: npm run build -w @telemetry-kit/${service} (its image build does this)`);
  const built = await $({
    cwd: REPO_ROOT,
    nothrow: true,
    quiet: true,
  })`npm run build -w @telemetry-kit/${service}`;
  if (built.exitCode !== 0) {
    console.error(
      `✗ ${service} did not build: ${built.stderr.trim().split('\n').at(-1)} — run npm run build -w @telemetry-kit/${service}`,
    );
    process.exit(1);
  }
}
const native = runNative(plan.processes);
const hostPorts = new Map(Object.entries(NATIVE_PORTS));
console.log(formatTable(entryPoints(stack.started, hostPorts)));
console.log('  Ctrl-C stops the services on the host; the containers keep running (npm run dev:down)');
process.once('SIGINT', native.stop);
process.once('SIGTERM', native.stop);
await native.finished;
