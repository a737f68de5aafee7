// Rituals: LLM latency, errors and tokens, audio generation time, generations by outcome.
import { RowBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import {
  kitDashboard,
  logsLink,
  promQuery,
  stat,
  timeSeries,
  tracesLink,
} from '@telemetry-kit/observability-config/panels';

const llm = 'gen_ai_client_operation_duration_seconds';

export default kitDashboard('kit-rituals', 'Rituals', 'grafana/dashboards/rituals.ts')
  .withRow(new RowBuilder('Generations'))
  .withPanel(
    stat(
      'Rituals generated (range)',
      'none',
      promQuery('sum(increase(rituals_generated_total{outcome="success"}[$__range]))', 'success'),
    ),
  )
  .withPanel(
    stat(
      'Failed generations (range)',
      'percentunit',
      promQuery(
        'sum(increase(rituals_generated_total{outcome!="success"}[$__range])) / sum(increase(rituals_generated_total[$__range]))',
        'failed',
      ),
    ),
  )
  .withPanel(
    stat(
      'LLM p95 (range)',
      's',
      promQuery(`histogram_quantile(0.95, sum by (le) (increase(${llm}_bucket[$__range])))`, 'p95'),
    ),
  )
  .withPanel(
    stat(
      'Audio p95 (range)',
      's',
      promQuery(
        'histogram_quantile(0.95, sum by (le) (increase(ritual_audio_generation_duration_seconds_bucket[$__range])))',
        'p95',
      ),
    ),
  )
  .withPanel(
    timeSeries('Generations by outcome', 'short', [
      promQuery('sum by (job, outcome) (rate(rituals_generated_total[$__rate_interval]))', '{{outcome}}'),
    ])
      .span(24)
      .dataLinks([logsLink(' | json | level="error"'), tracesLink('status = error')]),
  )
  .withRow(new RowBuilder('LLM'))
  .withPanel(
    timeSeries('LLM p50 / p95 by model', 's', [
      promQuery(
        `histogram_quantile(0.5, sum by (gen_ai_request_model, le) (rate(${llm}_bucket[$__rate_interval])))`,
        'p50 {{gen_ai_request_model}}',
        {
          exemplar: true,
        },
      ),
      promQuery(
        `histogram_quantile(0.95, sum by (gen_ai_request_model, le) (rate(${llm}_bucket[$__rate_interval])))`,
        'p95 {{gen_ai_request_model}}',
        {
          refId: 'B',
          exemplar: true,
        },
      ),
    ]).dataLinks([tracesLink('span.gen_ai.operation.name != nil')]),
  )
  .withPanel(
    timeSeries('LLM calls by outcome', 'reqps', [
      promQuery(`sum by (job, outcome) (rate(${llm}_count[$__rate_interval]))`, '{{outcome}}'),
    ]).dataLinks([
      tracesLink('span.gen_ai.operation.name != nil && status = error'),
      logsLink(' | json | level="error"'),
    ]),
  )
  .withPanel(
    timeSeries('Replicas by LLM circuit state', 'short', [
      promQuery('sum by (job, state) (rituals_llm_circuit_state)', '{{state}}'),
    ]),
  )
  .withPanel(
    timeSeries('Tokens per second by type', 'short', [
      promQuery(
        'sum by (gen_ai_token_type) (rate(gen_ai_client_token_usage_sum[$__rate_interval]))',
        '{{gen_ai_token_type}}',
      ),
    ]),
  )
  .withPanel(
    timeSeries('Tokens per call (average) by model', 'short', [
      promQuery(
        'sum by (gen_ai_request_model) (rate(gen_ai_client_token_usage_sum[$__rate_interval])) / sum by (gen_ai_request_model) (rate(gen_ai_client_token_usage_count{gen_ai_token_type="output"}[$__rate_interval]))',
        '{{gen_ai_request_model}}',
      ),
    ]),
  )
  .withRow(new RowBuilder('Audio'))
  .withPanel(
    timeSeries('Audio generation p50 / p95', 's', [
      promQuery(
        'histogram_quantile(0.5, sum by (le) (rate(ritual_audio_generation_duration_seconds_bucket[$__rate_interval])))',
        'p50',
        {
          exemplar: true,
        },
      ),
      promQuery(
        'histogram_quantile(0.95, sum by (le) (rate(ritual_audio_generation_duration_seconds_bucket[$__rate_interval])))',
        'p95',
        {
          refId: 'B',
          exemplar: true,
        },
      ),
    ]).dataLinks([tracesLink('name =~ "(?i).*(audio|synth).*"')]),
  )
  .withPanel(
    timeSeries('Audio generations by outcome', 'short', [
      promQuery(
        'sum by (job, outcome) (rate(ritual_audio_generation_duration_seconds_count[$__rate_interval]))',
        '{{outcome}}',
      ),
    ]).dataLinks([logsLink(' | json | level="error"')]),
  );
