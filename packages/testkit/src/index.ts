export type { PostableAlert } from './alertmanager/alertmanager-container.ts';
export {
  AlertmanagerContainer,
  StartedAlertmanagerContainer,
} from './alertmanager/alertmanager-container.ts';
export { AlloyContainer, StartedAlloyContainer, TESTKIT_PROJECT } from './alloy/alloy-container.ts';
export * from './assert/index.ts';
export type { ImageBuildRequest } from './build-inputs.ts';
export { buildInputsHash } from './build-inputs.ts';
export type { ConfigSource } from './config-source.ts';
export { COMPOSE_DIR, REPO_ROOT } from './config-source.ts';
export type { ContainerEngineStatus } from './engine.ts';
export { probeContainerEngine } from './engine.ts';
export { GrafanaContainer, StartedGrafanaContainer } from './grafana/grafana-container.ts';
export { buildImageOnce } from './image-build.ts';
export {
  imagePins,
  LOCALLY_BUILDABLE,
  PIN_FILE,
  parsePinFile,
  resolvedImages,
  resolveImage,
} from './images.ts';
export type { LgtmStackOptions, StackComponent, StackConfigs } from './lgtm/lgtm-stack.ts';
export {
  COMPONENT_IMAGES,
  composeConfigs,
  LgtmStack,
  STACK_COMPONENTS,
  StartedLgtmStack,
} from './lgtm/lgtm-stack.ts';
export { OtelLgtmContainer, StartedOtelLgtmContainer } from './lgtm/otel-lgtm-container.ts';
export { LokiContainer, StartedLokiContainer } from './loki/loki-container.ts';
export type { PromSample, ScrapeTarget } from './prometheus/prometheus-container.ts';
export { PrometheusContainer, StartedPrometheusContainer } from './prometheus/prometheus-container.ts';
export type { RunningServices } from './prometheus/scrape-targets.ts';
export { scrapeJobs, writeActiveTargets } from './prometheus/scrape-targets.ts';
export type { FromWorkspaceOptions } from './service/service-container.ts';
export { ServiceContainer, StartedServiceContainer } from './service/service-container.ts';
export type { ServiceImageRecipe } from './service/workspace.ts';
export { serviceBuildInputs, serviceImageRecipe } from './service/workspace.ts';
export * from './sink/index.ts';
export { StartedTempoContainer, TempoContainer } from './tempo/tempo-container.ts';
