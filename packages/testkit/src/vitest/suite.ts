import { describe, inject, it } from 'vitest';
import type { ImageKey } from '../images.ts';

export interface ContainerRequirements {
  /** Pin keys from images.env that the suite starts or builds from. */
  images: ImageKey[];
}

/** Why a suite with these requirements cannot run here, or undefined when it can. */
export function containerSkipReason(requirements: ContainerRequirements): string | undefined {
  const engine = inject('containerEngine');
  if (!engine) return 'no container engine status — add @telemetry-kit/testkit/global-setup to globalSetup';
  if (!engine.available) return engine.reason;
  const missingKeys = requirements.images.filter((key) => engine.missingImages[key] !== undefined);
  if (missingKeys.length > 0) {
    const missing = missingKeys.map((key) => `${engine.missingImages[key]} (${key})`);
    return `missing images ${missing.join(', ')} — pull them or point ${missingKeys.join('/')} at a mirror`;
  }
  return undefined;
}

/**
 * `describe` for suites that need containers. Where the engine or an image is missing, the suite
 * is replaced by one skipped test whose name says exactly what is missing.
 */
export function describeWithContainers(
  title: string,
  requirements: ContainerRequirements,
  body: () => void,
): void {
  const reason = containerSkipReason(requirements);
  if (reason === undefined) {
    describe(title, body);
    return;
  }
  describe(title, () => {
    it.skip(`skipped: ${reason}`, () => {});
  });
}

/**
 * The URLs a shared container (started by the globalSetup from `defineGlobalSetup({ shared })`)
 * provided; throws with the reason when it was not started.
 */
export function sharedContainerUrls(name: string): Record<string, string> {
  const shared = inject('sharedContainers') ?? {};
  const info = shared[name];
  if (!info) {
    throw new Error(
      `no shared container "${name}" — declare it in defineGlobalSetup({ shared: { ${name}: … } }); declared: ${Object.keys(shared).join(', ') || 'none'}`,
    );
  }
  if ('skipped' in info) throw new Error(`shared container "${name}" was not started: ${info.skipped}`);
  return info.urls;
}
