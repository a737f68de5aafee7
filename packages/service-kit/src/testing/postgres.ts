import { resolveImage } from '@telemetry-kit/testkit';
import type { StartedNetwork, StartedTestContainer } from 'testcontainers';
import { GenericContainer, Wait } from 'testcontainers';

export interface StartedPostgres {
  container: StartedTestContainer;
  /** Connection string from the test process (mapped port on localhost). */
  url: string;
  /** Connection string from other containers on the network (alias `postgres`). */
  networkUrl: string;
  stop(): Promise<void>;
}

const USER = 'app';
const PASSWORD = 'app-test-password';
const DATABASE = 'app';

/**
 * Postgres 17 from the pinned POSTGRES_IMAGE, ready when the server (not the init-time temporary
 * one, which listens on no TCP port) accepts connections.
 */
export async function startPostgres(network?: StartedNetwork): Promise<StartedPostgres> {
  let builder = new GenericContainer(resolveImage('POSTGRES_IMAGE'))
    .withEnvironment({ POSTGRES_USER: USER, POSTGRES_PASSWORD: PASSWORD, POSTGRES_DB: DATABASE })
    .withExposedPorts(5432)
    .withWaitStrategy(
      Wait.forAll([
        Wait.forListeningPorts(),
        Wait.forLogMessage(/database system is ready to accept connections/, 2),
      ]),
    )
    .withStartupTimeout(120_000);
  if (network) builder = builder.withNetwork(network).withNetworkAliases('postgres');
  const container = await builder.start();
  return {
    container,
    url: `postgres://${USER}:${PASSWORD}@${container.getHost()}:${container.getMappedPort(5432)}/${DATABASE}`,
    networkUrl: `postgres://${USER}:${PASSWORD}@postgres:5432/${DATABASE}`,
    stop: async () => {
      await container.stop();
    },
  };
}
