import { describe, expect, it } from 'vitest';
import type { ContainerStatus } from './progress.ts';
import { parseContainerEvent, withStarted } from './startup.ts';

const event = (action: string, attributes: Record<string, string>) =>
  JSON.stringify({ Type: 'container', Action: action, Actor: { ID: 'c0ffee', Attributes: attributes } });

describe('following a start through docker events', () => {
  it('reads the action and the compose service of a container event', () => {
    const start = parseContainerEvent(
      event('start', { 'com.docker.compose.service': 'gateway', name: 'telemetry-kit-gateway-1' }),
    );
    expect(start).toEqual({
      action: 'start',
      status: {
        service: 'gateway',
        name: 'telemetry-kit-gateway-1',
        id: 'c0ffee',
        state: 'running',
        health: 'starting',
        exitCode: 0,
      },
    });
    const die = parseContainerEvent(event('die', { 'com.docker.compose.service': 'gateway', exitCode: '1' }));
    expect(die?.status.exitCode).toBe(1);
    expect(parseContainerEvent(event('start', { name: 'not-compose' }))).toBeUndefined();
    expect(parseContainerEvent('not json')).toBeUndefined();
  });

  it('counts a container as running from its start event until the list shows it', () => {
    const listed = (state: string, health = ''): ContainerStatus => ({
      service: 'gateway',
      name: 'g',
      id: 'c0ffee',
      state,
      health,
      exitCode: 0,
    });
    const started = new Map([['c0ffee', { ...listed('running', 'starting') }]]);
    expect(withStarted([], started)).toEqual([listed('running', 'starting')]);
    expect(withStarted([listed('created')], started)).toEqual([listed('running', 'starting')]);
    // Once listed as running (or exited), the list says how it stands.
    expect(withStarted([listed('running', 'healthy')], started)).toEqual([listed('running', 'healthy')]);
    expect(withStarted([listed('exited')], started)).toEqual([listed('exited')]);
  });
});
