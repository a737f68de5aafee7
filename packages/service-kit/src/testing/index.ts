export type { BadInputCase } from './bad-input.ts';
export { badInputCorpus, INJECTION_STRINGS, INVALID_TRACEPARENTS, UNICODE_EDGE_CASES } from './bad-input.ts';
export type { InjectableApp } from './expect-bad-input.ts';
export { expectClientErrorBody, runBadInputCorpus } from './expect-bad-input.ts';
export type { StartedPostgres } from './postgres.ts';
export { startPostgres } from './postgres.ts';
