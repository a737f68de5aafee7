import { describe, expect, it } from 'vitest';
import type { DevService } from './model.ts';
import { describeLeftOut, inProfiles, parseComposeConfig, planStart } from './model.ts';
import { devService } from './testing.ts';

const service = (name: string, extra: Partial<DevService> = {}) =>
  devService(name, { profiles: ['telemetry'], image: `${name}:1`, ...extra });

describe('reading docker compose config --format json', () => {
  const config = {
    name: 'telemetry-kit',
    services: {
      gateway: {
        profiles: ['app'],
        image: 'telemetry-kit/gateway:dev',
        build: { context: '/repo', dockerfile: 'services/gateway/Dockerfile' },
        ports: [{ host_ip: '127.0.0.1', target: 8080, published: '8081' }],
        environment: { PORT: '8080', UNSET: null },
        depends_on: { migrate: { condition: 'service_completed_successfully', required: true } },
        deploy: { resources: { limits: { memory: '268435456' }, reservations: { memory: 67108864 } } },
      },
      migrate: { profiles: ['app'], image: 'm:1', command: ['node', 'migrate.ts'] },
    },
  };

  it('takes published ports, the environment, the Dockerfile path and memory figures as compose resolved them', () => {
    const [gateway] = parseComposeConfig(config).services;
    expect(gateway?.environment).toEqual({ PORT: '8080' });
    expect(gateway).toMatchObject({
      name: 'gateway',
      dockerfile: '/repo/services/gateway/Dockerfile',
      ports: [{ service: 'gateway', hostIp: '127.0.0.1', hostPort: 8081, containerPort: 8080 }],
      dependsOn: ['migrate'],
      memoryLimitBytes: 268435456,
      memoryReservationBytes: 67108864,
    });
  });

  it('marks a service others wait on with service_completed_successfully as a one-shot', () => {
    const services = parseComposeConfig(config).services;
    expect(services.find((s) => s.name === 'migrate')?.oneShot).toBe(true);
    expect(services.find((s) => s.name === 'gateway')?.oneShot).toBe(false);
  });

  it('rejects output that is not a compose model, saying which field', () => {
    expect(() => parseComposeConfig({ services: {} })).toThrow(/name/);
  });
});

describe('deciding what can start', () => {
  it('leaves out a service whose image is missing, and everything that depends on it', () => {
    const plan = planStart(
      [service('tempo'), service('grafana', { dependsOn: ['tempo'] }), service('prometheus')],
      { hasImage: (image) => image !== 'tempo:1' },
    );
    expect(plan.start.map((s) => s.name)).toEqual(['prometheus']);
    expect(plan.leftOut).toEqual([
      { service: 'tempo', reason: 'image tempo:1 not present' },
      { service: 'grafana', reason: 'needs tempo' },
    ]);
  });

  it('leaves out a built service whose Dockerfile does not exist yet, but never asks for its image', () => {
    const plan = planStart([service('gateway', { dockerfile: '/repo/services/gateway/Dockerfile' })], {
      hasImage: () => false,
      hasDockerfile: () => false,
    });
    expect(plan.leftOut[0]?.reason).toMatch(/^no .*services\/gateway\/Dockerfile$/);
    const built = planStart([service('gateway', { dockerfile: '/x/Dockerfile' })], {
      hasImage: () => false,
      hasDockerfile: () => true,
    });
    expect(built.start.map((s) => s.name)).toEqual(['gateway']);
  });

  it('starts a one-shot that reuses an image built here, and leaves it out with its builder', () => {
    const gateway = service('gateway', {
      image: 'kit/gateway:dev',
      dockerfile: '/repo/services/gateway/Dockerfile',
    });
    const migrate = service('gateway-migrate', { image: 'kit/gateway:dev' });
    const built = planStart([gateway, migrate], { hasImage: () => false, hasDockerfile: () => true });
    expect(built.start.map((s) => s.name)).toEqual(['gateway', 'gateway-migrate']);
    const notYet = planStart([gateway, migrate], { hasImage: () => false, hasDockerfile: () => false });
    expect(notYet.leftOut.map((l) => l.service)).toEqual(['gateway', 'gateway-migrate']);
    expect(notYet.leftOut[1]?.reason).toBe(notYet.leftOut[0]?.reason);
  });

  it('selects services by profile', () => {
    const services = [service('a', { profiles: ['app'] }), service('b'), service('c', { profiles: [] })];
    expect(inProfiles(services, ['app']).map((s) => s.name)).toEqual(['a', 'c']);
  });

  it('says in one line what was left out, grouped by reason, with the way to get missing images', () => {
    const line = describeLeftOut([
      { service: 'tempo', reason: 'image tempo:1 not present' },
      { service: 'tempo-init', reason: 'image tempo:1 not present' },
      { service: 'grafana', reason: 'needs tempo' },
    ]);
    expect(line).toBe(
      'Left out tempo, tempo-init (image tempo:1 not present); grafana (needs tempo) — run `npm run images -- pull` where a registry is reachable, or point the *_IMAGE variables at a mirror',
    );
    expect(line?.includes('\n')).toBe(false);
    expect(describeLeftOut([])).toBeUndefined();
  });
});
