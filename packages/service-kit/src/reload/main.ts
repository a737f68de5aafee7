// `node …/service-kit/src/reload/main.ts --watch-path=<folder>… -- [node options] <entry>`: the
// service under the reload supervisor, as `npm run dev -- --watch` (in its container) and `--native`
// (on the host) run it. Ends as the service does on SIGTERM or SIGINT.
import { superviseReloads } from './supervisor.ts';

const USAGE =
  'usage: reload/main.ts --watch-path=<folder> [--watch-path=<folder>…] -- [node options] <entry>';

const args = process.argv.slice(2);
const split = args.indexOf('--');
const own = split === -1 ? args : args.slice(0, split);
const service = split === -1 ? [] : args.slice(split + 1);
const folders = own
  .filter((arg) => arg.startsWith('--watch-path='))
  .map((arg) => arg.slice('--watch-path='.length));
const unknown = own.filter((arg) => !arg.startsWith('--watch-path='));
const entry = service.at(-1);
if (unknown.length > 0 || folders.length === 0 || !entry) {
  console.error(unknown.length > 0 ? `unknown option ${unknown[0]}\n${USAGE}` : USAGE);
  process.exit(2);
}

const supervisor = superviseReloads({ folders, nodeOptions: service.slice(0, -1), entry });
const stop = async () => process.exit(await supervisor.stop());
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
