// Test helpers for services built on @telemetry-kit/telemetry: the adversarial leak corpus and
// in-memory sinks.
export type { Leak, LeakSample } from './corpus.ts';
export { findLeaks, KEYED_SECRETS, LEAK_CORPUS, sampleAsText, VALUE_SECRETS } from './corpus.ts';
export { LineCollector } from './line-collector.ts';
