/**
 * The emulator's response-time distribution: log-normal, described by its median and 99th
 * percentile (the two numbers people think in). median == p99 gives a fixed delay; 0 gives none.
 */
export interface LatencyDistribution {
  medianMs: number;
  p99Ms: number;
}

/** z-score of the 99th percentile of the standard normal distribution. */
const Z_99 = 2.326_347_874;

/** Standard normal sample by Box–Muller from two uniform samples in (0, 1]. */
function standardNormal(random: () => number): number {
  const u1 = 1 - random();
  const u2 = random();
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

export function sampleLatencyMs(
  distribution: LatencyDistribution,
  random: () => number = Math.random,
): number {
  const { medianMs, p99Ms } = distribution;
  if (medianMs <= 0) return 0;
  if (p99Ms <= medianMs) return medianMs;
  const sigma = Math.log(p99Ms / medianMs) / Z_99;
  return Math.round(medianMs * Math.exp(sigma * standardNormal(random)));
}
