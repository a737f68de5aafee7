import { variantsOf } from '@telemetry-kit/service-kit';
import type { Telemetry } from '@telemetry-kit/telemetry';
import type { MarketplaceMetrics } from './app.ts';
import type { Currency } from './store.ts';

/**
 * The marketplace's business metrics (docs/metrics.md): listings created, active listings (a gauge
 * read from Postgres, cached between scrapes), purchases by outcome and amounts by currency.
 */
export function marketplaceMetrics(
  telemetry: Telemetry,
  countActive: () => Promise<number>,
): MarketplaceMetrics & { refresh(): Promise<void> } {
  // ritual_length: the seller's `ritual-length` variant (flags/flags.flagd.json), for the Experiments
  // dashboard's generated → listed → sold funnel per variant.
  const lengths = variantsOf('ritual-length');
  const listingsCreated = telemetry.counter('marketplace.listings.created', {
    description: 'Listings created, by the seller’s ritual-length variant',
    labels: { ritual_length: lengths },
  });
  const purchases = telemetry.counter('marketplace.purchases', {
    description: 'Purchase attempts by outcome and the seller’s ritual-length variant',
    labels: { outcome: ['completed', 'declined'], ritual_length: lengths },
  });
  const amounts = telemetry.counter('marketplace.purchase.amount_cents', {
    description: 'Money taken by completed purchases, in cents of the currency',
    labels: { currency: ['EUR', 'USD', 'GBP'] },
  });
  let active = 0;
  telemetry.meter
    .createObservableGauge('marketplace.listings.active', { description: 'Listings on sale now' })
    .addCallback((result) => result.observe(active));
  // Series exist from the start, so rate() and increase() have a baseline.
  for (const ritual_length of lengths) {
    listingsCreated.add(0, { ritual_length });
    for (const outcome of ['completed', 'declined'] as const) purchases.add(0, { outcome, ritual_length });
  }

  const refresh = async () => {
    try {
      active = await countActive();
    } catch (error) {
      telemetry.logger.warn({ err: error }, 'could not count active listings; keeping the last value');
    }
  };
  return {
    refresh,
    listingCreated: (ritual_length) => listingsCreated.add(1, { ritual_length }),
    purchase(outcome, amountCents, currency: Currency, ritual_length) {
      purchases.add(1, { outcome, ritual_length });
      if (outcome === 'completed') amounts.add(amountCents, { currency });
    },
    activeListingsChanged: () => void refresh(),
  };
}
