import { afterEach, describe, expect, it, vi } from 'vitest';
import { FaultInjector, InjectedCrash } from '../src/faults.ts';

afterEach(() => vi.useRealTimers());

describe('an injected crash', () => {
  it('throws InjectedCrash outside any request shortly after it is asked for, and is not kept', () => {
    vi.useFakeTimers();
    const faults = new FaultInjector();
    faults.set({ latencyMs: 0, errorRate: 0, crash: 'uncaughtException' });
    expect(faults.settings).toEqual({ latencyMs: 0, errorRate: 0 });
    expect(() => vi.advanceTimersByTime(100)).toThrow(InjectedCrash);
  });

  it('is not scheduled by settings without it', () => {
    vi.useFakeTimers();
    new FaultInjector().set({ latencyMs: 0, errorRate: 0.5 });
    expect(vi.getTimerCount()).toBe(0);
  });
});
