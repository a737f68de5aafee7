// The smallest service a team writes: started as
// `node --import @telemetry-kit/telemetry/register service.ts`.
import { createServer } from 'node:http';
import { getTelemetry, startTelemetry } from '@telemetry-kit/telemetry';

const telemetry = getTelemetry() ?? startTelemetry();

const server = createServer(
  telemetry.handler(
    (_req, res) => {
      telemetry.logger.info({ greeted: 'world' }, 'said hello');
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('hello\n');
    },
    { route: (req) => (req.url === '/hello' ? '/hello' : undefined) },
  ),
);
telemetry.installShutdownHandlers({ servers: [server] });
server.listen(Number(process.env.PORT ?? 3000), '0.0.0.0');
