// The benchmark's (and the process-level test's) service: one route that parses a ~1 KB JSON body, logs
// one line, calls one upstream over HTTP and answers. VARIANT picks the instrumentation:
//   bare — plain node:http + pino, no telemetry
//   kit  — started with `node --import @telemetry-kit/telemetry/register`
//   auto — started with `node --import @opentelemetry/auto-instrumentations-node/register`
import { createServer, type IncomingMessage, type RequestListener, type ServerResponse } from 'node:http';
import { pino } from 'pino';

const variant = process.env.VARIANT ?? 'bare';
const upstream = process.env.UPSTREAM_URL ?? 'http://127.0.0.1:9/';
const port = Number(process.env.PORT ?? 0);

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

const kit = variant === 'kit' ? (await import('@telemetry-kit/telemetry')).getTelemetry() : undefined;
if (variant === 'kit' && !kit)
  throw new Error('VARIANT=kit needs node --import @telemetry-kit/telemetry/register');
const logger = kit?.logger ?? pino({ base: { service: process.env.OTEL_SERVICE_NAME ?? 'bench' } });

const routeOf = (req: IncomingMessage): string | undefined => {
  const path = (req.url ?? '/').split('?')[0];
  return path === '/orders' || path === '/fail' ? path : undefined;
};

const app: RequestListener = async (req, res) => {
  const route = routeOf(req);
  if (req.method === 'POST' && route === '/orders') {
    const order = (await readJson(req)) as { customer?: { id?: string }; items?: unknown[] };
    if (kit && order.customer?.id) kit.setUser(order.customer.id);
    logger.info({ items: order.items?.length ?? 0, customer: order.customer }, 'order received');
    const price = (await (await fetch(upstream)).json()) as { cents: number };
    send(res, 200, { ok: true, cents: price.cents });
    return;
  }
  if (route === '/fail') {
    throw new Error(`payment declined for ${req.headers['x-customer-email'] ?? 'nobody'}`);
  }
  send(res, 404, { error: 'not found' });
};

const server = createServer(kit ? kit.handler(app, { route: routeOf }) : app);
server.keepAliveTimeout = 65_000;
server.listen(port, '127.0.0.1', () => {
  const address = server.address();
  const listening = typeof address === 'object' && address ? address.port : port;
  // The parent process reads this line to learn the port.
  process.stderr.write(`listening ${listening}\n`);
});
kit?.installShutdownHandlers({ servers: [server] });
if (!kit) process.once('SIGTERM', () => server.close(() => process.exit(0)));
