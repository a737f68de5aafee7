import type { TestProject } from 'vitest/node';
import type { ContainerEngineStatus } from '../engine.ts';
import { probeContainerEngine } from '../engine.ts';
import { LOCALLY_BUILDABLE } from '../images.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    containerEngine: ContainerEngineStatus;
  }
}

/**
 * Vitest globalSetup for integration projects: probes the container engine once per run and
 * provides the result to every test file (`inject('containerEngine')`).
 * Under CI=true an unreachable engine, or a missing image that CI can build as a stand-in, fails
 * the run instead of letting the tests skip.
 */
export default async function setup(project: TestProject): Promise<void> {
  // Ryuk (the reaper) is an image of its own that cannot be pulled where there is no registry;
  // the kit's tests stop what they start, so it stays off unless a team turns it on explicitly.
  process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';

  const status = await probeContainerEngine();
  if (process.env.CI === 'true') {
    if (!status.available) throw new Error(`CI=true: ${status.reason}`);
    const missingBuildable = Object.entries(status.missingImages).filter(([key]) =>
      LOCALLY_BUILDABLE.has(key),
    );
    if (missingBuildable.length > 0) {
      const names = missingBuildable.map(([key, image]) => `${image} (${key})`).join(', ');
      throw new Error(
        `CI=true: images missing that CI must provide: ${names} — run scripts/ci/standins.sh and export scripts/ci/standins.env`,
      );
    }
  }
  project.provide('containerEngine', status);
}
