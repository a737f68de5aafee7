// `alloy validate` (ALLOY_IMAGE) on compose's configuration and on each cluster configuration the
// overlays' values carry. No Alloy can be had on the project's machines: this runs in the workflow.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '@telemetry-kit/observability-config/paths';
import { KUBERNETES_ENVIRONMENTS } from '@telemetry-kit/observability-config/settings';
import { alloyConfigOf, COMPOSE_ALLOY } from '@telemetry-kit/observability-config/targets/alloy-values';
import { resolveImage } from '@telemetry-kit/testkit';
import { describeWithContainers } from '@telemetry-kit/testkit/vitest';
import type { StartedTestContainer } from 'testcontainers';
import { GenericContainer } from 'testcontainers';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parse } from 'yaml';

const configs: Record<string, string> = {
  compose: readFileSync(path.join(REPO_ROOT, COMPOSE_ALLOY), 'utf8'),
  ...Object.fromEntries(
    KUBERNETES_ENVIRONMENTS.map((env) => [
      env,
      alloyConfigOf(
        parse(readFileSync(path.join(REPO_ROOT, 'k8s/overlays', env, 'alloy.values.yaml'), 'utf8')) as {
          alloy: { configMap: { content: string } };
        },
      ),
    ]),
  ),
};

describeWithContainers('alloy validate', { images: ['ALLOY_IMAGE'] }, () => {
  let alloy: StartedTestContainer;

  beforeAll(async () => {
    alloy = await new GenericContainer(resolveImage('ALLOY_IMAGE'))
      .withEntrypoint(['sleep'])
      .withCommand(['3600'])
      .withCopyContentToContainer(
        Object.entries(configs).map(([name, content]) => ({ content, target: `/tmp/${name}.alloy` })),
      )
      .start();
  });
  afterAll(async () => {
    await alloy?.stop();
  });

  it.each(Object.keys(configs))('accepts the %s configuration', async (name) => {
    const result = await alloy.exec(['/bin/alloy', 'validate', `/tmp/${name}.alloy`]);
    expect(result.exitCode, result.output).toBe(0);
  });
});
