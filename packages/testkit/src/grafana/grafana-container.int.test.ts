import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { COMPOSE_DIR } from '../config-source.ts';
import { describeWithContainers } from '../vitest/suite.ts';
import type { StartedGrafanaContainer } from './grafana-container.ts';
import { GrafanaContainer } from './grafana-container.ts';

describeWithContainers(
  'GrafanaContainer (compose/grafana/provisioning)',
  { images: ['GRAFANA_IMAGE'] },
  () => {
    let grafana: StartedGrafanaContainer;

    beforeAll(async () => {
      grafana = await new GrafanaContainer()
        .withProvisioning({ path: path.join(COMPOSE_DIR, 'grafana', 'provisioning') })
        .start();
    });
    afterAll(async () => {
      await grafana?.stop();
    });

    it('answers /api/health and provisions the datasources compose provisions', async () => {
      const health = (await (await fetch(`${grafana.url}/api/health`)).json()) as { database: string };
      expect(health.database).toBe('ok');
      const datasources = await grafana.api<Array<{ type: string }>>('/api/datasources');
      expect(datasources.map((d) => d.type)).toEqual(expect.arrayContaining(['prometheus', 'loki', 'tempo']));
    });
  },
);
