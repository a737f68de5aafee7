import { readFileSync } from 'node:fs';
import path from 'node:path';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace';
import { gatewayMetrics } from '@telemetry-kit/gateway/src/metrics.ts';
import { marketplaceMetrics } from '@telemetry-kit/marketplace/src/metrics.ts';
import { ritualMetrics } from '@telemetry-kit/rituals/src/metrics.ts';
import type { Telemetry } from '@telemetry-kit/telemetry';
import { startTelemetry } from '@telemetry-kit/telemetry';
import { beforeAll, describe, expect, it } from 'vitest';

interface CatalogueEntry {
  name: string;
  type: string;
  labels: string[];
}

/** The rows of one service's table in docs/metrics.md. */
function catalogue(section: string): CatalogueEntry[] {
  const text = readFileSync(path.join(import.meta.dirname, '../../docs/metrics.md'), 'utf8');
  const body = text.split(/^## /m).find((part) => part.startsWith(`${section}\n`));
  if (!body) throw new Error(`docs/metrics.md has no "## ${section}" section`);
  return body
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .map((line) => {
      const [name = '', type = '', labels = ''] = line
        .split('|')
        .slice(1)
        .map((cell) => cell.trim());
      return {
        name: name.replaceAll('`', ''),
        type,
        // Label names are the backticked words outside the parentheses that list their values.
        labels: [...labels.replace(/\([^)]*\)/g, '').matchAll(/`([a-z_]+)`/g)].map((m) => m[1] as string),
      };
    });
}

/** Metric family names and, per family, the label names its series carry. */
function families(exposition: string): Map<string, Set<string>> {
  const found = new Map<string, Set<string>>();
  for (const line of exposition.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{([^}]*)\})?/.exec(line);
    if (!match?.[1]) continue;
    const family = match[1].replace(/_(bucket|count|sum)$/, '');
    const labels = found.get(family) ?? new Set<string>();
    for (const pair of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="/g))
      labels.add(pair[1] as string);
    found.set(family, labels);
  }
  return found;
}

describe('the services expose the metric catalogue of docs/metrics.md', () => {
  let telemetry: Telemetry;
  let exposition: Map<string, Set<string>>;

  beforeAll(async () => {
    telemetry = startTelemetry({
      serviceName: 'catalogue-check',
      runtimeMetrics: false,
      processHandlers: false,
      traceExporter: new InMemorySpanExporter(),
    });
    // Record one point on every instrument, as the services do in use.
    const gateway = gatewayMetrics(telemetry, async () => 3);
    await gateway.refresh();
    gateway.signup('created');
    gateway.login('success');
    const marketplace = marketplaceMetrics(telemetry, async () => 5);
    await marketplace.refresh();
    marketplace.listingCreated('standard');
    marketplace.purchase('completed', 499, 'EUR', 'extended');
    const rituals = ritualMetrics(telemetry, ['ritual-emulator-1']);
    rituals.llmCall('ritual-emulator-1', 'success', 0.3);
    rituals.tokens('ritual-emulator-1', 'input', 12);
    rituals.audio('success', 0.2);
    rituals.ritual('success', 'extended');
    exposition = families(await telemetry.metricsText());
  });

  for (const section of ['gateway', 'rituals', 'marketplace']) {
    it(`exposes every ${section} metric under its catalogue name with its labels`, () => {
      const entries = catalogue(section);
      expect(entries.length, `rows in the ${section} table`).toBeGreaterThan(0);
      for (const entry of entries) {
        const labels = exposition.get(entry.name);
        expect(labels, `${entry.name} (${entry.type}) is missing from /metrics`).toBeDefined();
        for (const label of entry.labels) {
          expect([...(labels ?? [])], `${entry.name} lacks the label ${label}`).toContain(label);
        }
      }
    });
  }
});
