import { describe, expect, it } from 'vitest';
import {
  boundedCounter,
  boundedHistogram,
  LabelValueError,
  METRIC_HTTP_CLIENT_DURATION,
  METRIC_HTTP_SERVER_DURATION,
} from '../src/metrics.ts';
import { inMemoryMetrics } from './helpers.ts';

describe('bounded instruments', () => {
  it('record values whose labels are in the declared sets', async () => {
    const metrics = inMemoryMetrics();
    const meter = metrics.provider.getMeter('rituals');
    const generated = boundedCounter(meter, 'rituals.generated', {
      description: 'Rituals generated',
      labels: { outcome: ['success', 'llm_error', 'synthesis_error'] },
    });
    generated.add(1, { outcome: 'success' });
    generated.add(2, { outcome: 'llm_error' });
    const text = await metrics.text();
    expect(text).toContain('rituals_generated_total{outcome="success"');
    expect(text).toMatch(/rituals_generated_total\{outcome="llm_error"[^}]*\} 2/);
  });

  it('refuse a value outside the set without echoing it', () => {
    const meter = inMemoryMetrics().provider.getMeter('m');
    const logins = boundedCounter(meter, 'user.logins', {
      description: 'Logins',
      labels: { outcome: ['success', 'failure'] },
    });
    expect(() => logins.add(1, { outcome: 'alice@example.com' as 'success' })).toThrow(LabelValueError);
    expect(() => logins.add(1, { outcome: 'alice@example.com' as 'success' })).not.toThrow(/alice/);
    expect(() => logins.add(1, { outcome: 'success', extra: 'x' } as never)).toThrow(
      /exactly the labels outcome/,
    );
  });

  it('drop (not throw) in "drop" mode, recording nothing', async () => {
    const metrics = inMemoryMetrics();
    const counter = boundedCounter(metrics.provider.getMeter('m'), 'purchases', {
      description: 'Purchases',
      labels: { outcome: ['completed', 'declined'] },
      onInvalid: 'drop',
    });
    counter.add(1, { outcome: '/users/123' as 'completed' });
    expect(await metrics.text()).not.toContain('purchases_total{');
  });

  it('histograms use the explicit buckets given', async () => {
    const metrics = inMemoryMetrics();
    const audio = boundedHistogram(metrics.provider.getMeter('m'), 'ritual.audio.generation.duration', {
      description: 'Audio synthesis',
      unit: 's',
      buckets: [0.5, 1, 2, 5],
      labels: { outcome: ['success', 'error'] },
    });
    audio.record(1.5, { outcome: 'success' });
    const text = await metrics.text();
    expect(text).toMatch(/ritual_audio_generation_duration_bucket\{outcome="success"[^}]*le="2"\} 1/);
    expect(text).toMatch(/le="1"\} 0/);
  });
});

describe('HTTP duration views', () => {
  it('name the series as docs/metrics.md does, keep only the catalogued labels, and use the semconv buckets', async () => {
    const metrics = inMemoryMetrics();
    const meter = metrics.provider.getMeter('@opentelemetry/instrumentation-http');
    meter.createHistogram(METRIC_HTTP_SERVER_DURATION, { unit: 's' }).record(0.03, {
      'http.request.method': 'GET',
      'http.route': '/orders/:id',
      'http.response.status_code': 200,
      'url.scheme': 'http',
      'network.protocol.version': '1.1',
    });
    meter.createHistogram(METRIC_HTTP_CLIENT_DURATION, { unit: 's' }).record(0.2, {
      'http.request.method': 'POST',
      'server.address': 'rituals',
      'http.response.status_code': 201,
      'url.full': 'http://rituals/x?token=abc',
    });
    const text = await metrics.text();
    expect(text).toMatch(
      /http_server_request_duration_seconds_bucket\{http_request_method="GET",http_route="\/orders\/:id",http_response_status_code="200",[^}]*le="0.05"\} 1/,
    );
    expect(text).toContain(
      'http_client_request_duration_seconds_count{http_request_method="POST",server_address="rituals"',
    );
    expect(text).not.toContain('url_scheme');
    expect(text).not.toContain('url_full');
    for (const le of [
      '0.005',
      '0.01',
      '0.025',
      '0.05',
      '0.075',
      '0.1',
      '0.25',
      '0.5',
      '0.75',
      '1',
      '2.5',
      '5',
      '7.5',
      '10',
    ]) {
      expect(text).toContain(`le="${le}"`);
    }
  });
});
