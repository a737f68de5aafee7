import type { TestProject } from 'vitest/node';
import type { ContainerEngineStatus } from '../engine.ts';
import { probeContainerEngine } from '../engine.ts';
import type { ImageKey } from '../images.ts';
import { LOCALLY_BUILDABLE } from '../images.ts';

/** What a shared container tells the tests: its URLs by name, or why it was not started. */
export type SharedContainerInfo = { urls: Record<string, string> } | { skipped: string };

declare module 'vitest' {
  export interface ProvidedContext {
    containerEngine: ContainerEngineStatus;
    sharedContainers: Record<string, SharedContainerInfo>;
  }
}

/** A container (or stack) started once per run and shared by every test file of the project. */
export interface SharedContainer {
  /** Pin keys of the images it needs; where one is missing it is skipped, not started. */
  images: ImageKey[];
  /** Starts it and returns the URLs tests need, and how to stop it at the end of the run. */
  start(): Promise<{ urls: Record<string, string>; stop(): Promise<unknown> }>;
}

export interface GlobalSetupOptions {
  /** Shared containers by name; tests read them with `sharedContainerUrls(name)`. */
  shared?: Record<string, SharedContainer>;
}

function failUnderCi(status: ContainerEngineStatus): void {
  if (process.env.CI !== 'true') return;
  if (!status.available) throw new Error(`CI=true: ${status.reason}`);
  const missingBuildable = Object.entries(status.missingImages).filter(([key]) => LOCALLY_BUILDABLE.has(key));
  if (missingBuildable.length > 0) {
    const names = missingBuildable.map(([key, image]) => `${image} (${key})`).join(', ');
    throw new Error(
      `CI=true: images missing that CI must provide: ${names} — run scripts/ci/standins.sh and export scripts/ci/standins.env`,
    );
  }
}

function skipReason(status: ContainerEngineStatus, images: ImageKey[]): string | undefined {
  if (!status.available) return status.reason;
  const missing = images.filter((key) => status.missingImages[key] !== undefined);
  return missing.length
    ? `missing images ${missing.map((k) => `${status.missingImages[k]} (${k})`).join(', ')}`
    : undefined;
}

/**
 * Builds a Vitest globalSetup: probes the container engine once per run and provides the result
 * (`inject('containerEngine')`); then starts each shared container whose images are present and
 * provides their URLs (`inject('sharedContainers')`), stopping them when the run ends.
 * Under CI=true an unreachable engine, or a missing image CI can build as a stand-in, fails the run.
 */
export function defineGlobalSetup(options: GlobalSetupOptions = {}) {
  return async function setup(project: Pick<TestProject, 'provide'>): Promise<() => Promise<void>> {
    // Ryuk (the reaper) is an image of its own that cannot be pulled where there is no registry;
    // the kit's tests stop what they start, so it stays off unless a team turns it on explicitly.
    process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';

    const status = await probeContainerEngine();
    failUnderCi(status);
    project.provide('containerEngine', status);

    const running: Array<{ stop(): Promise<unknown> }> = [];
    const teardown = async () => {
      await Promise.allSettled(running.splice(0).map((container) => container.stop()));
    };
    const shared: Record<string, SharedContainerInfo> = {};
    try {
      for (const [name, container] of Object.entries(options.shared ?? {})) {
        const reason = skipReason(status, container.images);
        if (reason) {
          shared[name] = { skipped: reason };
          continue;
        }
        const started = await container.start();
        running.push(started);
        shared[name] = { urls: started.urls };
      }
    } catch (error) {
      await teardown();
      throw error;
    }
    project.provide('sharedContainers', shared);
    return teardown;
  };
}

/** The default globalSetup: the engine probe, no shared containers. */
export default defineGlobalSetup();
