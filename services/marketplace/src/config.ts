import { flagsEnv, postgresEnv, serviceEnv } from '@telemetry-kit/service-kit';
import { z } from 'zod';

/** The marketplace's environment; documented in README.md. */
export const marketplaceConfig = z.object({ ...serviceEnv, ...postgresEnv, ...flagsEnv });

export type MarketplaceConfig = z.infer<typeof marketplaceConfig>;
