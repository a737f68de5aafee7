import { describe, expect, it } from 'vitest';
import type { CircuitBreakerSettings, CircuitState } from '../src/circuit-breaker.ts';
import { CircuitBreaker, CircuitOpenError } from '../src/circuit-breaker.ts';

const settings: CircuitBreakerSettings = {
  consecutiveFailures: 5,
  failureRatio: 0.5,
  minimumCalls: 10,
  windowMs: 30_000,
  openMs: 15_000,
};

function breaker() {
  let now = 0;
  const changes: CircuitState[] = [];
  const circuit = new CircuitBreaker(settings, {
    now: () => now,
    onStateChange: (state) => void changes.push(state),
  });
  const ok = () => circuit.run(async () => 'ok');
  const fail = () => circuit.run(async () => Promise.reject(new Error('model down'))).catch((e) => e);
  return {
    circuit,
    changes,
    ok,
    fail,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe('the circuit breaker', () => {
  it('stays closed while failures are interleaved with enough successes', async () => {
    const { circuit, ok, fail } = breaker();
    for (let i = 0; i < 20; i++) await (i % 3 === 0 ? fail() : ok());
    expect(circuit.state).toBe('closed');
  });

  it('opens when half the calls in the window fail, though never five in a row', async () => {
    const { circuit, ok, fail } = breaker();
    for (let i = 0; i < 10; i++) await (i % 2 === 0 ? fail() : ok());
    expect(circuit.state).toBe('open');
  });

  it('forgets failures older than the window', async () => {
    const { circuit, ok, fail, advance } = breaker();
    for (let i = 0; i < 4; i++) await fail();
    await ok();
    for (let i = 0; i < 4; i++) await fail();
    advance(settings.windowMs + 1);
    for (let i = 0; i < 4; i++) await ok();
    await fail();
    expect(circuit.state).toBe('closed');
  });

  it('refuses calls while open without running them, saying how long is left', async () => {
    const { circuit, fail, advance } = breaker();
    for (let i = 0; i < 5; i++) await fail();
    advance(5_000);
    let ran = false;
    const refused = await circuit
      .run(async () => {
        ran = true;
      })
      .catch((e) => e);
    expect(refused).toBeInstanceOf(CircuitOpenError);
    expect(refused.retryAfterMs).toBe(10_000);
    expect(ran).toBe(false);
  });

  it('lets exactly one probe through when half-open, however many calls arrive', async () => {
    const { circuit, fail, advance, changes } = breaker();
    for (let i = 0; i < 5; i++) await fail();
    advance(settings.openMs);
    let release: () => void = () => undefined;
    let started = 0;
    const slowProbe = () =>
      circuit.run(async () => {
        started += 1;
        await new Promise<void>((resolve) => {
          release = resolve;
        });
      });
    const calls = [slowProbe(), slowProbe().catch((e) => e), slowProbe().catch((e) => e)];
    release();
    const [, second, third] = await Promise.all(calls);
    expect(started).toBe(1);
    expect(second).toBeInstanceOf(CircuitOpenError);
    expect(third).toBeInstanceOf(CircuitOpenError);
    expect(changes).toEqual(['open', 'half_open', 'closed']);
  });
});
