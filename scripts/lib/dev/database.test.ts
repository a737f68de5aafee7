import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { accepting, databaseAddress } from './database.ts';
import { devService } from './testing.ts';

const postgres = (extra = {}) =>
  devService('postgres', {
    image: 'postgres:17',
    ports: [{ service: 'postgres', hostIp: '127.0.0.1', hostPort: 15432, containerPort: 5432 }],
    environment: { POSTGRES_USER: 'kit', POSTGRES_PASSWORD: 'pw', POSTGRES_DB: 'kitdb' },
    ...extra,
  });

describe('the development database, as npm run dev asks it from the host', () => {
  it('is where postgres publishes 5432, with the login compose gives it', () => {
    expect(databaseAddress([devService('gateway'), postgres()])).toEqual({
      host: '127.0.0.1',
      port: 15432,
      user: 'kit',
      password: 'pw',
      database: 'kitdb',
    });
  });

  it('is unknown without postgres, a published port or a login', () => {
    expect(databaseAddress([devService('gateway')])).toBeUndefined();
    expect(databaseAddress([postgres({ ports: [] })])).toBeUndefined();
    expect(databaseAddress([postgres({ environment: { POSTGRES_USER: 'kit' } })])).toBeUndefined();
  });

  it('does not accept connections where nothing speaks PostgreSQL', async () => {
    // A port that takes the connection and closes it, as Docker's proxy does before postgres listens.
    const server = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      const address = { host: '127.0.0.1', port, user: 'kit', password: 'pw', database: 'kit' };
      expect(await accepting(address)).toBe(false);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
