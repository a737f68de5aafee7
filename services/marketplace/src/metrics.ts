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
  const listingsCreated = telemetry.counter('marketplace.listings.created', {
    description: 'Listings created',
    labels: {},
  });
  const purchases = telemetry.counter('marketplace.purchases', {
    description: 'Purchase attempts by outcome',
    labels: { outcome: ['completed', 'declined'] },
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
  listingsCreated.add(0, {});
  for (const outcome of ['completed', 'declined'] as const) purchases.add(0, { outcome });

  const refresh = async () => {
    try {
      active = await countActive();
    } catch (error) {
      telemetry.logger.warn({ err: error }, 'could not count active listings; keeping the last value');
    }
  };
  return {
    refresh,
    listingCreated: () => listingsCreated.add(1, {}),
    purchase(outcome, amountCents, currency: Currency) {
      purchases.add(1, { outcome });
      if (outcome === 'completed') amounts.add(amountCents, { currency });
    },
    activeListingsChanged: () => void refresh(),
  };
}
