// The live side of "no dead panels": the reference services, driven through a sign-up, a login, a
// ritual and a purchase, must expose on their real /metrics every catalogued metric the dashboards
// and alert rules query for them. Runs once every services/<name>/Dockerfile exists.
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Catalogue } from '@telemetry-kit/observability-config/catalogue';
import { isCatalogued, loadCatalogue } from '@telemetry-kit/observability-config/catalogue';
import { loadDashboards } from '@telemetry-kit/observability-config/dashboards';
import { REPO_ROOT } from '@telemetry-kit/observability-config/paths';
import { promqlMetricNames } from '@telemetry-kit/observability-config/query-languages';
import { loadRuleFiles } from '@telemetry-kit/observability-config/rules';
import {
  dashboardQueries,
  ruleQueries,
  substituteMacros,
} from '@telemetry-kit/observability-config/validate';
import { describeWithContainers } from '@telemetry-kit/testkit/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReferenceApp } from '../e2e/lib/stack.ts';
import { callApi, referenceAppServices, startReferenceApp } from '../e2e/lib/stack.ts';

const STACK = referenceAppServices();
const SERVICES = STACK.map((s) => s.name);
const EVERY_SERVICE = 'Every service (packages/telemetry)';

/** Series that exist only after an event this traffic does not cause, with the event. */
const EVENT_ONLY: Record<string, string> = {
  app_errors_total: 'recorded when a service records an error',
  telemetry_export_dropped_total: 'recorded when the exporter drops spans or records',
};
/** Outgoing-call histograms exist only on services that call another service (the catalogue's graph). */
const CALLERS: Record<string, string[]> = {
  http_client_request_duration_seconds: STACK.filter((s) =>
    Object.keys(s.calls).some((callee) => SERVICES.includes(callee)),
  ).map((s) => s.name),
};

const missing = SERVICES.filter((s) => !existsSync(path.join(REPO_ROOT, 'services', s, 'package.json')));

/** Catalogued base names (histograms without _bucket/_count/_sum) the dashboards and rules query. */
async function queriedCatalogueNames(catalogue: Catalogue): Promise<Set<string>> {
  const queries = [
    ...(await loadDashboards(REPO_ROOT)).flatMap(dashboardQueries),
    ...ruleQueries(loadRuleFiles(REPO_ROOT)),
  ];
  const names = new Set<string>();
  for (const q of queries.filter((x) => x.language === 'promql')) {
    for (const name of promqlMetricNames(substituteMacros(q.expr))) {
      if (catalogue.names.has(name)) names.add(name);
      else if (isCatalogued(catalogue, name)) names.add(name.replace(/_(bucket|count|sum)$/, ''));
    }
  }
  return names;
}

/** For a failure message: what the page exposes under the same prefix (nodejs_, v8js_, process_, …). */
function nearest(absent: string[], page: Set<string> | undefined): string {
  const hints = absent.map((name) => {
    const prefix = name.split('_')[0] ?? name;
    const similar = [...(page ?? [])].filter((n) => n.startsWith(`${prefix}_`)).sort();
    return `${name} (the page has: ${similar.join(', ') || `no ${prefix}_* series`})`;
  });
  return hints.join('; ');
}

/** Metric family names on a Prometheus exposition page (histogram series folded to their family). */
function exposedNames(page: string): Set<string> {
  const names = new Set<string>();
  for (const line of page.split('\n')) {
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]/.exec(line)?.[1];
    if (sample) names.add(sample).add(sample.replace(/_(bucket|count|sum)$/, ''));
  }
  return names;
}

if (missing.length > 0) {
  describe('live metrics of the reference services', () => {
    it.skip(`skipped: ${missing.map((s) => `services/${s}`).join(', ')} missing`, () => {});
  });
} else {
  describeWithContainers('live metrics of the reference services', { images: ['POSTGRES_IMAGE'] }, () => {
    let app: ReferenceApp;
    let catalogue: Catalogue;
    let queried: Set<string>;
    const pages = new Map<string, Set<string>>();

    beforeAll(async () => {
      catalogue = loadCatalogue(REPO_ROOT);
      queried = await queriedCatalogueNames(catalogue);
      app = await startReferenceApp();
      let token = '';
      const call = (method: string, route: string, body?: unknown) =>
        callApi(app.gatewayUrl, method, route, { body, token });
      const seller = {
        email: 'seller@example.test',
        password: 'a long enough passphrase 1',
        displayName: 'Seller',
      };
      expect((await call('POST', '/api/signup', seller)).status).toBe(201);
      const login = await call('POST', '/api/login', { email: seller.email, password: seller.password });
      expect(login.status, JSON.stringify(login.body)).toBe(200);
      token = login.body.token as string;
      const ritual = await call('POST', '/api/rituals', { intention: 'a quiet evening' });
      expect(ritual.status, JSON.stringify(ritual.body)).toBe(201);
      const listing = await call('POST', '/api/listings', {
        ritualId: ritual.body.id,
        title: 'Evening',
        priceCents: 500,
        currency: 'EUR',
      });
      expect(listing.status, JSON.stringify(listing.body)).toBe(201);
      const buyer = await call('POST', '/api/signup', {
        ...seller,
        email: 'buyer@example.test',
        displayName: 'Buyer',
      });
      token = buyer.body.token as string;
      const purchase = await call('POST', `/api/listings/${String(listing.body.id)}/purchase`, {
        payment: {
          cardNumber: '4111111111111111',
          expMonth: 12,
          expYear: new Date().getUTCFullYear() + 2,
          cvc: '123',
        },
      });
      expect(purchase.status, JSON.stringify(purchase.body)).toBe(201);
      for (const service of SERVICES) {
        const page = await (await fetch(`${app.service(service).url}/metrics`)).text();
        pages.set(service, exposedNames(page));
      }
    });

    afterAll(async () => {
      await app?.stop();
    });

    it.each(['gateway', 'rituals', 'marketplace'] as const)(
      'exposes on %s every metric the dashboards and alerts query from its catalogue section',
      (service) => {
        const expected = [...(catalogue.sections.get(service) ?? [])].filter((n) => queried.has(n));
        expect(expected.length, `the dashboards query nothing of ${service}'s section`).toBeGreaterThan(0);
        const absent = expected.filter((n) => !pages.get(service)?.has(n));
        expect(absent, `not on ${service}'s /metrics: ${nearest(absent, pages.get(service))}`).toEqual([]);
      },
    );

    it.each(SERVICES)('exposes on %s the queried metrics every service has', (service) => {
      const expected = [...(catalogue.sections.get(EVERY_SERVICE) ?? [])]
        .filter((n) => queried.has(n) && !(n in EVENT_ONLY))
        .filter((n) => !CALLERS[n] || CALLERS[n].includes(service));
      const absent = expected.filter((n) => !pages.get(service)?.has(n));
      expect(absent, `not on ${service}'s /metrics: ${nearest(absent, pages.get(service))}`).toEqual([]);
    });
  });
}
