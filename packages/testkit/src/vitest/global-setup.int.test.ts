import { expect, it } from 'vitest';
import { PrometheusContainer } from '../prometheus/prometheus-container.ts';
import type { SharedContainerInfo } from './global-setup.ts';
import { defineGlobalSetup } from './global-setup.ts';
import { describeWithContainers } from './suite.ts';

/** Runs a globalSetup as Vitest would, recording what it provides. */
async function runSetup(setup: ReturnType<typeof defineGlobalSetup>) {
  const provided: Record<string, unknown> = {};
  const teardown = await setup({
    provide: ((key: string, value: unknown) => (provided[key] = value)) as never,
  });
  return { provided, teardown };
}

describeWithContainers('defineGlobalSetup with shared containers', { images: ['PROMETHEUS_IMAGE'] }, () => {
  it('starts a shared container once, provides its URLs, and stops it at teardown', async () => {
    const { provided, teardown } = await runSetup(
      defineGlobalSetup({
        shared: {
          prometheus: {
            images: ['PROMETHEUS_IMAGE'],
            async start() {
              const prometheus = await new PrometheusContainer().start();
              return { urls: { url: prometheus.url }, stop: () => prometheus.stop() };
            },
          },
        },
      }),
    );
    const shared = provided.sharedContainers as Record<string, SharedContainerInfo>;
    const info = shared.prometheus;
    if (!info || !('urls' in info)) throw new Error(`prometheus was not started: ${JSON.stringify(info)}`);
    const url = info.urls.url;
    expect((await fetch(`${url}/-/ready`)).status).toBe(200);
    expect(provided.containerEngine).toMatchObject({ available: true });

    await teardown();
    await expect(fetch(`${url}/-/ready`), 'the container is gone after teardown').rejects.toThrow();
  });

  it('skips a shared container whose image is missing, saying which', async () => {
    // An override pointing at an image no engine has: the probe must report it missing.
    const saved = process.env.GRAFANA_IMAGE;
    process.env.GRAFANA_IMAGE = 'kit-nowhere/grafana:absent';
    try {
      const { provided, teardown } = await runSetup(
        defineGlobalSetup({
          shared: {
            grafana: { images: ['GRAFANA_IMAGE'], start: () => Promise.reject(new Error('must not start')) },
          },
        }),
      );
      await teardown();
      expect((provided.sharedContainers as Record<string, SharedContainerInfo>).grafana).toEqual({
        skipped: 'missing images kit-nowhere/grafana:absent (GRAFANA_IMAGE)',
      });
    } finally {
      if (saved === undefined) delete process.env.GRAFANA_IMAGE;
      else process.env.GRAFANA_IMAGE = saved;
    }
  });
});
