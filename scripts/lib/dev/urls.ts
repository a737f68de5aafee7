import type { DevService } from './model.ts';

/** The entry points printed after `npm run dev`, in this order. */
export const ENTRY_POINTS: ReadonlyArray<{ service: string; label: string; path: string }> = [
  { service: 'web', label: 'Web app', path: '/' },
  { service: 'gateway', label: 'Gateway API', path: '/' },
  { service: 'grafana', label: 'Grafana', path: '/' },
  { service: 'prometheus', label: 'Prometheus', path: '/' },
  { service: 'alertmanager', label: 'Alertmanager', path: '/' },
];

export interface EntryPoint {
  label: string;
  url: string;
}

/** URLs of the entry points among the running services, from the ports they publish. */
export function entryPoints(running: DevService[], hostPorts?: Map<string, number>): EntryPoint[] {
  const result: EntryPoint[] = [];
  for (const entry of ENTRY_POINTS) {
    const port =
      hostPorts?.get(entry.service) ?? running.find((s) => s.name === entry.service)?.ports[0]?.hostPort;
    if (port === undefined) continue;
    result.push({ label: entry.label, url: `http://localhost:${port}${entry.path}` });
  }
  return result;
}

export function formatTable(rows: EntryPoint[]): string {
  const width = Math.max(...rows.map((row) => row.label.length), 0);
  return rows.map((row) => `  ${row.label.padEnd(width)}  ${row.url}`).join('\n');
}
