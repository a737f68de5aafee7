export type { ContainerRequirements } from './suite.ts';
export { containerSkipReason, describeWithContainers } from './suite.ts';
