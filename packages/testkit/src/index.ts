export * from './assert/index.ts';
export type { ContainerEngineStatus } from './engine.ts';
export { probeContainerEngine } from './engine.ts';
export type { ImageBuildRequest } from './image-build.ts';
export { buildImageOnce, buildInputsHash } from './image-build.ts';
export {
  imagePins,
  LOCALLY_BUILDABLE,
  PIN_FILE,
  parsePinFile,
  resolvedImages,
  resolveImage,
} from './images.ts';
export type { PromSample, ScrapeTarget } from './prometheus/prometheus-container.ts';
export { PrometheusContainer, StartedPrometheusContainer } from './prometheus/prometheus-container.ts';
export * from './sink/index.ts';
