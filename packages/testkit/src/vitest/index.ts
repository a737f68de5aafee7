export type { GlobalSetupOptions, SharedContainer, SharedContainerInfo } from './global-setup.ts';
export { defineGlobalSetup } from './global-setup.ts';
export type { ContainerRequirements } from './suite.ts';
export { containerSkipReason, describeWithContainers, sharedContainerUrls } from './suite.ts';
