// Marketplace: purchases (transactions), amounts by currency, listings.
import { RowBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import {
  kitDashboard,
  logsLink,
  promQuery,
  stat,
  timeSeries,
  tracesLink,
} from '@telemetry-kit/observability-config/panels';

export default kitDashboard('kit-marketplace', 'Marketplace', 'grafana/dashboards/marketplace.ts')
  .withRow(new RowBuilder('Overview'))
  .withPanel(
    stat(
      'Completed purchases (range)',
      'none',
      promQuery('sum(increase(marketplace_purchases_total{outcome="completed"}[$__range]))', 'completed'),
    ),
  )
  .withPanel(
    stat(
      'Declined ratio (range)',
      'percentunit',
      promQuery(
        'sum(increase(marketplace_purchases_total{outcome="declined"}[$__range])) / sum(increase(marketplace_purchases_total[$__range]))',
        'declined',
      ),
    ),
  )
  .withPanel(stat('Active listings', 'none', promQuery('sum(marketplace_listings_active)', 'listings')))
  .withPanel(
    stat(
      'Listings created (range)',
      'none',
      promQuery('sum(increase(marketplace_listings_created_total[$__range]))', 'created'),
    ),
  )
  .withRow(new RowBuilder('Transactions'))
  .withPanel(
    timeSeries('Purchases by outcome', 'short', [
      promQuery('sum by (job, outcome) (rate(marketplace_purchases_total[$__rate_interval]))', '{{outcome}}'),
    ]).dataLinks([logsLink(' | json | msg=~"(?i)purchase"'), tracesLink('name =~ "(?i).*purchase.*"')]),
  )
  .withPanel(
    timeSeries('Amount sold by currency (per second, major units)', 'short', [
      promQuery(
        'sum by (job, currency) (rate(marketplace_purchase_amount_cents_total[$__rate_interval])) / 100',
        '{{currency}}',
      ),
    ]),
  )
  .withRow(new RowBuilder('Listings'))
  .withPanel(
    timeSeries('Active listings', 'none', [
      promQuery('sum by (job) (marketplace_listings_active)', 'active'),
    ]),
  )
  .withPanel(
    timeSeries('Listings created', 'short', [
      promQuery('sum by (job) (rate(marketplace_listings_created_total[$__rate_interval]))', 'created'),
    ]).dataLinks([logsLink(' | json | msg=~"(?i)listing"')]),
  );
