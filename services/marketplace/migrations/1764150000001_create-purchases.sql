-- Up Migration
-- Payment details are never stored: only the card brand and its last four digits, for receipts.
CREATE TABLE purchases (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  listing_id uuid NOT NULL REFERENCES listings (id),
  buyer_id uuid NOT NULL,
  amount_cents integer NOT NULL CHECK (amount_cents > 0),
  currency char(3) NOT NULL,
  outcome text NOT NULL CHECK (outcome IN ('completed', 'declined')),
  card_brand text NOT NULL,
  card_last4 char(4) NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
-- A listing is sold at most once.
CREATE UNIQUE INDEX purchases_one_completed_per_listing ON purchases (listing_id) WHERE outcome = 'completed';
CREATE INDEX purchases_by_buyer ON purchases (buyer_id, created_at DESC);

-- Down Migration
DROP TABLE purchases;
