// Experiments: feature-flag variants compared on the business funnel, generated → listed → sold.
// `ritual_length` is the variant of flag `ritual-length` (flags/flags.flagd.json): rituals counts a
// generation in the user's variant, marketplace a listing and a sale in the seller's (docs/metrics.md).
import { RowBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import {
  kitDashboard,
  logsLink,
  promQuery,
  stat,
  timeSeries,
  tracesLink,
} from '@telemetry-kit/observability-config/panels';

const generated = 'rituals_generated_total{outcome="success"}';
const listed = 'marketplace_listings_created_total';
const sold = 'marketplace_purchases_total{outcome="completed"}';
/** A step of the funnel over the dashboard's range, per variant. */
const inRange = (series: string) => `sum by (ritual_length) (increase(${series}[$__range]))`;
// The time series keep `job`: their data links open that service's logs and traces.
const perSecond = (series: string) => `sum by (job, ritual_length) (rate(${series}[$__rate_interval]))`;
const evaluations = 'event:name = "feature_flag.evaluation"';

export default kitDashboard('kit-experiments', 'Experiments', 'grafana/dashboards/experiments.ts')
  .withRow(new RowBuilder('ritual-length: conversion per variant (dashboard range)'))
  .withPanel(stat('Generated', 'none', promQuery(inRange(generated), '{{ritual_length}}')))
  .withPanel(
    stat(
      'Listed per generated',
      'percentunit',
      promQuery(`${inRange(listed)} / ${inRange(generated)}`, '{{ritual_length}}'),
    ),
  )
  .withPanel(
    stat(
      'Sold per listed',
      'percentunit',
      promQuery(`${inRange(sold)} / ${inRange(listed)}`, '{{ritual_length}}'),
    ),
  )
  .withPanel(
    stat(
      'Sold per generated',
      'percentunit',
      promQuery(`${inRange(sold)} / ${inRange(generated)}`, '{{ritual_length}}'),
    ),
  )
  .withRow(new RowBuilder('ritual-length: the funnel over time'))
  .withPanel(
    timeSeries('Rituals generated per variant', 'short', [
      promQuery(perSecond(generated), '{{ritual_length}}'),
    ])
      .span(8)
      .dataLinks([
        tracesLink(`${evaluations} && event.feature_flag.key = "ritual-length"`),
        logsLink(' | json | msg=~"feature flags.*|flag file.*"'),
      ]),
  )
  .withPanel(
    timeSeries('Listings created per variant', 'short', [promQuery(perSecond(listed), '{{ritual_length}}')])
      .span(8)
      .dataLinks([logsLink(' | json | msg=~"(?i)listing"'), tracesLink(evaluations)]),
  )
  .withPanel(
    timeSeries('Completed purchases per variant', 'short', [promQuery(perSecond(sold), '{{ritual_length}}')])
      .span(8)
      .dataLinks([logsLink(' | json | msg=~"(?i)purchase"'), tracesLink(evaluations)]),
  )
  .withRow(new RowBuilder('ritual-length: guard rails'))
  .withPanel(
    timeSeries('Failed generations per variant', 'percentunit', [
      promQuery(
        `${perSecond('rituals_generated_total{outcome!="success"}')} / ${perSecond('rituals_generated_total')}`,
        '{{ritual_length}}',
      ),
    ]).dataLinks([logsLink(' | json | level="error"'), tracesLink('status = error')]),
  )
  .withPanel(
    timeSeries('Declined purchases per variant', 'percentunit', [
      promQuery(
        `${perSecond('marketplace_purchases_total{outcome="declined"}')} / ${perSecond('marketplace_purchases_total')}`,
        '{{ritual_length}}',
      ),
    ]).dataLinks([logsLink(' | json | msg=~"(?i)purchase"'), tracesLink(evaluations)]),
  );
