import { describe, expect, it } from 'vitest';
import { auditPurchases, storedPurchasesQuery } from './purchase-audit.ts';

const key = (n: number) => `00000000-0000-4000-8000-00000000000${n}`;

describe('the purchase audit of the reliability bench', () => {
  it('finds a confirmed purchase that was not stored, or stored under another id', () => {
    const audit = auditPurchases(
      [
        { idempotencyKey: key(1), id: 'p1' },
        { idempotencyKey: key(2), id: 'p2' },
        { idempotencyKey: key(3), id: 'p3' },
      ],
      [
        { idempotencyKey: key(1), id: 'p1' },
        { idempotencyKey: key(3), id: 'other' },
      ],
    );
    expect(audit).toEqual({ lost: [key(2), key(3)], duplicated: [] });
  });

  it('finds a key stored twice, and counts a purchase confirmed twice (a replay) once', () => {
    const audit = auditPurchases(
      [
        { idempotencyKey: key(1), id: 'p1' },
        { idempotencyKey: key(1), id: 'p1' },
      ],
      [
        { idempotencyKey: key(1), id: 'p1' },
        { idempotencyKey: key(1), id: 'p1-again' },
      ],
    );
    expect(audit).toEqual({ lost: [], duplicated: [key(1)] });
  });

  it('quotes only UUIDs into its SQL', () => {
    expect(storedPurchasesQuery([key(1)])).toContain(`IN ('${key(1)}')`);
    expect(storedPurchasesQuery([])).toContain('IN (NULL)');
    expect(() => storedPurchasesQuery(["x'); DROP TABLE purchases; --"])).toThrow(/not an idempotency key/);
  });
});
