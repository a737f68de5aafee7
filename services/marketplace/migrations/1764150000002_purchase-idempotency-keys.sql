-- Up Migration
-- A client that lost the answer to a purchase retries it with the same Idempotency-Key and gets the
-- first attempt's purchase back: one row per (buyer, key), so a retry can never charge twice. Keys are
-- per buyer, so one buyer's key can never reveal or block another's purchase.
ALTER TABLE purchases
  ADD COLUMN idempotency_key text CHECK (char_length(idempotency_key) BETWEEN 1 AND 128),
  -- Kept so that a replayed 402 names the same reason as the first answer.
  ADD COLUMN decline_reason text CHECK (decline_reason IN ('card_declined', 'expired_card'));
CREATE UNIQUE INDEX purchases_one_per_idempotency_key ON purchases (buyer_id, idempotency_key)
  WHERE idempotency_key IS NOT NULL;

-- Down Migration
DROP INDEX purchases_one_per_idempotency_key;
ALTER TABLE purchases DROP COLUMN decline_reason, DROP COLUMN idempotency_key;
