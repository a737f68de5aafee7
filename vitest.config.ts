import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const source = (file: string) => fileURLToPath(new URL(`./packages/${file}`, import.meta.url));

// Two projects: `unit` needs nothing but Node and runs in seconds; `integration` starts containers,
// with one globalSetup that probes the engine (and, as the testkit grows, starts shared containers).
export default defineConfig({
  // Tests import the libraries from their sources (their exports name dist/, what an installed
  // package has; tsconfig.json's paths say the same); processes they start (services, fixtures) load
  // the telemetry bundle, packages/telemetry/dist, as services do.
  resolve: {
    alias: [
      { find: /^@telemetry-kit\/telemetry\/register$/, replacement: source('telemetry/src/register.ts') },
      { find: /^@telemetry-kit\/telemetry\/testing$/, replacement: source('telemetry/src/testing/index.ts') },
      { find: /^@telemetry-kit\/telemetry$/, replacement: source('telemetry/src/index.ts') },
      { find: /^@telemetry-kit\/testkit\/workspace$/, replacement: source('testkit/src/workspace.ts') },
      { find: /^@telemetry-kit\/testkit\/vitest$/, replacement: source('testkit/src/vitest/index.ts') },
      {
        find: /^@telemetry-kit\/testkit\/global-setup$/,
        replacement: source('testkit/src/vitest/global-setup.ts'),
      },
      { find: /^@telemetry-kit\/testkit$/, replacement: source('testkit/src/index.ts') },
    ],
  },
  test: {
    reporters: ['verbose'],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['{packages,services,scripts,test}/**/*.test.ts'],
          exclude: ['**/node_modules/**', '**/*.int.test.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['{packages,services,scripts,test}/**/*.int.test.ts'],
          exclude: ['**/node_modules/**'],
          globalSetup: ['packages/testkit/src/vitest/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 600_000,
          // Two cores: containers and image builds fight over them, so files run one at a time.
          fileParallelism: false,
        },
      },
    ],
  },
});
