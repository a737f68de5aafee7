// A process that evaluates flags through the service-kit wiring the services use, for tests that need
// separate processes (bucketing stable across them, hot reload in a running process). FLAGS_FILE names
// the flag file. Each stdin line `<flag key> [user id]` is answered by a stdout line with the variant;
// log lines go to stderr as JSON.
import { createInterface } from 'node:readline';
import type { FlagKey } from '../../src/flags/definition.ts';
import { startFeatureFlags } from '../../src/flags/index.ts';

const log =
  (level: string) =>
  (fields: Record<string, unknown>, msg: string): void =>
    void process.stderr.write(`${JSON.stringify({ level, msg, ...fields })}\n`);
const flags = await startFeatureFlags({
  file: process.env.FLAGS_FILE,
  logger: { info: log('info'), warn: log('warn'), error: log('error') },
});
process.stdout.write('ready\n');
for await (const line of createInterface({ input: process.stdin })) {
  const [key, userId] = line.trim().split(/\s+/);
  const result = await flags.evaluate(key as FlagKey, { userId });
  process.stdout.write(`${result.variant}\n`);
}
await flags.close();
