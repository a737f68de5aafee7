import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pinnedImage } from '@telemetry-kit/observability-config/pins';
import { loadServiceCatalogue } from '@telemetry-kit/observability-config/services';
import { writeActiveTargets } from '@telemetry-kit/testkit/workspace';
import type { ProcessPromise } from 'zx/core';
import { $ } from 'zx/core';
import type { ComposeSelection } from './compose.ts';
import {
  ACTIVE_TARGETS_DIR,
  COMPOSE_FILE,
  cachedProject,
  composeArgs,
  configInputs,
  containerOnPort,
  labelledContainers,
  loadProject,
  presentImages,
  projectName,
  REPO_ROOT,
  tryPull,
} from './compose.ts';
import { DATABASE_SERVICE, databaseAddress, loadPg } from './database.ts';
import { startBeforeMigrations } from './early-start.ts';
import {
  imageSourceHashes,
  isUp,
  lastUp,
  migrationsAtHead,
  needsBuild,
  recordUp,
  sourceHashes,
  sourceHashVariable,
} from './freshness.ts';
import type { DevService } from './model.ts';
import { describeLeftOut, inProfiles, planStart } from './model.ts';
import { checkMemory, checkPorts, checkToolchain, portHoldersOnThisHost } from './preflight.ts';
import { engineApiVersion, writeProbesOverlay } from './probes.ts';
import type { ContainerStatus } from './progress.ts';
import { formatEvent, StartupProgress } from './progress.ts';
import { ReadinessProber, readinessProbes } from './readiness.ts';
import { StartupWatch } from './startup.ts';
import { entryPoints, formatTable } from './urls.ts';
import { writeWatchOverlay } from './watch.ts';

export interface UpOptions extends ComposeSelection {
  /** Services to leave in the file but not start (--native keeps the Node services off). */
  exclude?: readonly string[];
  /** Services the caller runs on the host (--native), which Prometheus scrapes there. */
  onHost?: readonly string[];
  log?: (line: string) => void;
}

export interface UpResult {
  exitCode: number;
  started: DevService[];
  leftOut: string[];
  /** Seconds from the call to every started component ready. */
  seconds: number;
}

const fail = (log: (line: string) => void, message: string, exitCode = 1): UpResult => {
  log(`✗ ${message}`);
  return { exitCode, started: [], leftOut: [], seconds: 0 };
};

/** The services `--watch` reloads: the long-running built ones this `up` starts in containers. */
export function watchedServices(
  catalogue: ReadonlyArray<{ name: string }>,
  options: Pick<UpOptions, 'exclude'> = {},
): string[] {
  return catalogue.map((service) => service.name).filter((name) => !options.exclude?.includes(name));
}

/**
 * `npm run dev`: preflight, pull what can be pulled, build the services, `up`, then wait with live
 * progress (each component's start time, startup.ts) until everything is ready, then the URLs.
 * Running it again changes nothing that is already up. Ctrl-C while starting stops and removes what had started (volumes are kept).
 */
export async function up(options: UpOptions = {}): Promise<UpResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const startedAt = Date.now();
  // Every path asks the database (a re-run, the early start): its client loads while the sources hash.
  loadPg().catch(() => {});

  // Each built image's source hash, which compose's build writes into its label (compose.yaml),
  // computed while the engine and compose are checked.
  // The project's containers are listed by its name (compose.yaml `name:`) while the sources are hashed.
  const catalogue = loadServiceCatalogue(REPO_ROOT);
  const [hashes, containers] = await Promise.all([
    sourceHashes(
      catalogue.map((service) => ({ name: service.name, dockerfile: service.build.dockerfile })),
      {
        NODE_IMAGE: process.env.NODE_IMAGE ?? pinnedImage(REPO_ROOT, 'NODE_IMAGE'),
        SERVICE_VERSION: process.env.SERVICE_VERSION ?? 'dev',
      },
    ),
    labelledContainers(projectName()),
  ]);
  for (const [service, hash] of hashes) process.env[sourceHashVariable(service)] = hash;
  if (options.watch) writeWatchOverlay(REPO_ROOT, watchedServices(catalogue, options));

  // Engine and compose are checked before compose is first asked anything; a re-run that finds its
  // containers and its resolved configuration unchanged has no need to (they answered last time).
  // The engine's API version decides the probes overlay (probes.ts), which is part of the configuration.
  let toolchainChecked = false;
  let probesChanged = false;
  const checkOnce = async () => {
    if (toolchainChecked) return undefined;
    toolchainChecked = true;
    const [problem, apiVersion] = await Promise.all([checkToolchain(), engineApiVersion()]);
    if (!problem) probesChanged = writeProbesOverlay(REPO_ROOT, COMPOSE_FILE, apiVersion);
    return problem;
  };
  const resolved = containers.length > 0 ? cachedProject(configInputs(options)) : undefined;
  const earlyProblem = resolved ? undefined : await checkOnce();
  if (earlyProblem) return fail(log, earlyProblem);
  let project = resolved ?? (await loadProject(options));
  const prober = new ReadinessProber(readinessProbes(catalogue));
  let database = databaseAddress(project.services);
  /** The plan, when it is exactly what the last `up` started and all of it is up as it left it. */
  const unchanged = async (
    candidate: ReturnType<typeof planStart>,
    containers: ContainerStatus[],
    labels: Map<string, string>,
  ) => {
    const last = lastUp();
    if (!last || last.config !== project.configHash) return undefined;
    if (candidate.start.map((s) => s.name).join() !== last.started.join()) return undefined;
    // A migration counts by its schema (asked below), not its container: one skipped at head has none.
    const longRunning = candidate.start.filter((service) => !service.oneShot);
    if (needsBuild(candidate.start, hashes, labels).length > 0) return undefined;
    // Docker's probe may not have seen one ready yet (the last `up` asked it itself): ask it again,
    // while the migration table is asked.
    const starting = longRunning.filter((service) => !isUp(service, containers)).map((s) => s.name);
    const oneShots = candidate.start.filter((service) => service.oneShot);
    const [answering, atHead] = await Promise.all([
      starting.length > 0 ? prober.answering(containers, starting) : new Set<string>(),
      migrationsAtHead(oneShots, containers, database),
    ]);
    if (!longRunning.every((service) => isUp(service, containers, answering))) return undefined;
    return oneShots.every((service) => atHead.has(service.name)) ? candidate : undefined;
  };
  const wanted = inProfiles(project.services, options.profiles ?? ['app', 'telemetry']).filter(
    (service) => !options.exclude?.includes(service.name),
  );

  // Third-party images: use what is here, try to pull the rest once, leave out what cannot be had.
  // One `docker image inspect` for them and for the built images' source-hash labels.
  const thirdParty = [...new Set(wanted.filter((s) => !s.dockerfile).map((s) => s.image))];
  const built = [...new Set(wanted.filter((s) => s.dockerfile).map((s) => s.image))];
  const inspected = await imageSourceHashes([...thirdParty, ...built]);
  let present = new Set(thirdParty.filter((image) => inspected.has(image)));
  const before = containers;
  const absent = thirdParty.filter((image) => !present.has(image));
  const fresh = await unchanged(
    planStart(wanted, { hasImage: (image) => present.has(image) }),
    before,
    inspected,
  );
  if (fresh) {
    // Nothing changed: every component runs (healthy) as last started, no image to build, every schema
    // at head. Nothing is pulled, built, run or restarted; the URLs are printed again.
    const seconds = (Date.now() - startedAt) / 1000;
    log(`✓ already up, nothing changed (${seconds.toFixed(1)}s)`);
    log(formatTable(entryPoints(fresh.start)));
    return { exitCode: 0, started: fresh.start, leftOut: fresh.leftOut.map((l) => l.service), seconds };
  }
  const toolchainProblem = await checkOnce();
  if (toolchainProblem) return fail(log, toolchainProblem);
  if (probesChanged) {
    project = await loadProject(options);
    database = databaseAddress(project.services);
  }
  if (absent.length > 0) {
    log(`… pulling ${absent.join(', ')}`);
    const failed = await tryPull(absent);
    if (failed.length < absent.length) present = await presentImages(thirdParty);
  }
  const plan = planStart(wanted, { hasImage: (image) => present.has(image) });
  if (plan.start.length === 0) return fail(log, `nothing can start here. ${describeLeftOut(plan.leftOut)}`);

  // A pull changes no built image: their labels are those inspected above.
  const toBuild = needsBuild(plan.start, hashes, inspected);
  const oneShots = plan.start.filter((service) => service.oneShot);
  let atHead = await migrationsAtHead(oneShots, before, database);

  // Preflight on what is about to start: ports (this project's own containers may hold theirs) and memory.
  const running = new Set(before.filter((c) => c.state === 'running').map((c) => c.service));
  const ports = plan.start.flatMap((service) => service.ports);
  const portProblems = await checkPorts(ports, project.name, portHoldersOnThisHost(containerOnPort));
  const first = portProblems[0];
  if (first) return fail(log, first.message);
  const memoryProblem = checkMemory(plan.start.filter((service) => !running.has(service.name)));
  if (memoryProblem) return fail(log, memoryProblem.message);

  // Prometheus scrapes what runs, and nothing that was left out (it would page as ServiceDown).
  writeActiveTargets(
    {
      inContainers: [...plan.start.map((s) => s.name), ...running],
      ...(options.onHost ? { onHost: options.onHost } : {}),
    },
    ACTIVE_TARGETS_DIR,
  );

  log(`▶ starting ${plan.start.map((s) => s.name).join(', ')}`);
  const leftOutLine = describeLeftOut(plan.leftOut);
  if (leftOutLine) log(`! ${leftOutLine}`);

  const names = plan.start.map((service) => service.name);
  let interrupted = false;
  let child: ProcessPromise | undefined;
  let startup: StartupWatch | undefined;
  const onInterrupt = () => {
    interrupted = true;
    child?.kill('SIGTERM');
    startup?.stop();
  };
  process.once('SIGINT', onInterrupt);
  process.once('SIGTERM', onInterrupt);
  try {
    // Only images whose build inputs changed (the others carry the same source-hash label).
    const built = toBuild.map((service) => service.name);
    if (built.length > 0) {
      const logFile = path.join(os.tmpdir(), `${project.name}-build.log`);
      log(`… building ${built.join(', ')} (log: ${logFile})`);
      const out = createWriteStream(logFile);
      child = $({ quiet: true, nothrow: true })`docker ${composeArgs(options)} build ${built}`;
      child.stdout.pipe(out);
      child.stderr.pipe(out);
      const build = await child;
      if (interrupted) return await cleanUp(log, options);
      if (build.exitCode !== 0) {
        const tail = (await readFile(logFile, 'utf8')).trim().split('\n').slice(-15).join('\n');
        log(tail);
        return fail(log, `building ${built.join(', ')} failed — the end of ${logFile} is above`);
      }
    }

    if (built.length > 0) log(`  ✓ built in ${((Date.now() - startedAt) / 1000).toFixed(1)}s`);
    // Each component's start time counts from `up`, not from the build.
    const progress = new StartupProgress(
      new Map(plan.start.map((service) => [service.name, service.oneShot])),
      Date.now(),
    );
    startup = new StartupWatch({
      project: project.name,
      progress,
      prober,
      earlier: new Set(before.map((c) => c.id ?? '')),
      log,
    });
    // Postgres not running: start it (and what needs no schema) first, so the migration table can be asked.
    if (oneShots.length > 0 && atHead.size < oneShots.length && !running.has(DATABASE_SERVICE)) {
      const containers = await startBeforeMigrations(plan.start, options, project.name);
      if (containers) atHead = await migrationsAtHead(oneShots, containers, database);
    }
    // A one-shot left exited by an earlier run would read as done (or failed) before it ran again.
    const staleOneShots = plan.start
      .filter((service) => service.oneShot && before.some((c) => c.service === service.name))
      .filter((service) => !atHead.has(service.name))
      .map((service) => service.name);
    if (staleOneShots.length > 0) {
      await $({
        quiet: true,
        nothrow: true,
      })`docker ${composeArgs(options)} rm --force --stop ${staleOneShots}`;
    }
    // A migration whose schema is at head (and whose image did not change) does not run again; every
    // dependency is in the list, so --no-deps only keeps compose from pulling that one-shot back in.
    const skipped = oneShots
      .filter((service) => atHead.has(service.name) && !toBuild.some((b) => b.image === service.image))
      .map((service) => service.name);
    if (skipped.length > 0) log(`  ✓ ${skipped.join(', ')}: schema at head, not run`);
    progress.leaveOut(skipped);
    const toStart = names.filter((name) => !skipped.includes(name));
    // Compose creates and starts everything in dependency order; the watch says when each is ready.
    child = $({
      quiet: true,
      nothrow: true,
    })`docker ${composeArgs(options)} up --detach --no-build ${skipped.length > 0 ? ['--no-deps'] : []} ${toStart}`;
    const result = await child;
    if (result.exitCode === 0 && !interrupted) {
      startup.settle();
    } else {
      startup.stop();
    }
    await startup.finished;
    if (interrupted) return await cleanUp(log, options);
    if (result.exitCode !== 0) {
      for (const event of progress.update(await labelledContainers(project.name), Date.now(), true)) {
        log(formatEvent(event));
      }
    }
    const failed = progress.failed();
    if (result.exitCode !== 0 || failed.length > 0) {
      const reason = result.stderr.trim().split('\n').at(-1) ?? '';
      const names = failed.map((event) => `${event.service} (${event.detail})`).join(', ');
      const first = failed[0]?.service;
      return fail(
        log,
        first
          ? `did not come up: ${names} — see npm run dev:logs ${first}`
          : `docker compose up failed: ${reason} — see npm run dev:status`,
      );
    }
    const seconds = (Date.now() - startedAt) / 1000;
    if (project.configHash)
      recordUp(
        project.configHash,
        plan.start.map((service) => service.name),
      );
    log(`✓ ready in ${seconds.toFixed(1)}s`);
    log(formatTable(entryPoints(plan.start)));
    log('  npm run dev:status · npm run dev:logs [service] · npm run dev:down [-- --volumes]');
    return {
      exitCode: 0,
      started: plan.start,
      leftOut: plan.leftOut.map((l) => l.service),
      seconds,
    };
  } finally {
    startup?.stop();
    process.off('SIGINT', onInterrupt);
    process.off('SIGTERM', onInterrupt);
  }
}

async function cleanUp(log: (line: string) => void, selection: ComposeSelection): Promise<UpResult> {
  log('… interrupted: stopping and removing what had started (volumes are kept)');
  await $({ quiet: true, nothrow: true })`docker ${composeArgs(selection)} down --remove-orphans`;
  return fail(log, 'interrupted — nothing left running; run npm run dev again to start', 130);
}
