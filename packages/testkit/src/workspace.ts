// `@telemetry-kit/testkit/workspace`: what the testkit knows of a workspace without a container engine:
// how each service image is built, from which files, the content hash that names it, and the file of
// targets Prometheus scrapes. It loads no testcontainers, so a dev script can read it on every run.
export type { ImageBuildRequest } from './build-inputs.ts';
export { buildInputsHash } from './build-inputs.ts';
export type { RunningServices } from './prometheus/scrape-targets.ts';
export { writeActiveTargets } from './prometheus/scrape-targets.ts';
export type { ServiceImageRecipe } from './service/workspace.ts';
export { serviceBuildInputs, serviceImageRecipe } from './service/workspace.ts';
