// What the dev verbs' tests build their compose model from.
import type { DevService } from './model.ts';

/** A service of the dev model: an `app` service of this project's image, unless `extra` says otherwise. */
export const devService = (name: string, extra: Partial<DevService> = {}): DevService => ({
  name,
  profiles: ['app'],
  image: `telemetry-kit/${name}:dev`,
  ports: [],
  dependsOn: [],
  oneShot: false,
  memoryLimitBytes: 0,
  memoryReservationBytes: 0,
  ...extra,
});
