import type { ConfirmedPurchase } from '../../load.ts';

export interface StoredPurchase {
  idempotencyKey: string;
  id: string;
}

export interface PurchaseAudit {
  /** Keys of purchases confirmed to the client (201) with no stored row of the id it was given. */
  lost: string[];
  /** Keys stored more than once (the unique index should make this impossible). */
  duplicated: string[];
}

/** Every purchase the client was told succeeded must be stored exactly once, under the id it was told. */
export function auditPurchases(confirmed: ConfirmedPurchase[], stored: StoredPurchase[]): PurchaseAudit {
  const rowsByKey = new Map<string, string[]>();
  for (const row of stored)
    rowsByKey.set(row.idempotencyKey, [...(rowsByKey.get(row.idempotencyKey) ?? []), row.id]);
  const confirmedKeys = new Set(confirmed.map((purchase) => purchase.idempotencyKey));
  return {
    lost: confirmed
      .filter((purchase) => !(rowsByKey.get(purchase.idempotencyKey) ?? []).includes(purchase.id))
      .map((purchase) => purchase.idempotencyKey),
    duplicated: [...confirmedKeys].filter((key) => (rowsByKey.get(key)?.length ?? 0) > 1),
  };
}

/** The SQL listing the stored purchases of these keys (UUIDs from npm run load, checked before quoting). */
export function storedPurchasesQuery(keys: string[]): string {
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
  const bad = keys.find((key) => !uuid.test(key));
  if (bad !== undefined) throw new Error(`not an idempotency key npm run load sends: ${JSON.stringify(bad)}`);
  const list = keys.length > 0 ? keys.map((key) => `'${key}'`).join(',') : 'NULL';
  return `SELECT idempotency_key, id FROM marketplace.purchases WHERE idempotency_key IN (${list})`;
}
