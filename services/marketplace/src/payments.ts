/**
 * The marketplace's stand-in payment processor. It sees card details only for the length of one
 * request: they are validated, a brand and the last four digits are kept for the receipt, and the
 * rest is dropped. Nothing here logs.
 */

export interface CardDetails {
  number: string;
  expMonth: number;
  expYear: number;
  cvc: string;
}

export type PaymentDecision =
  | { outcome: 'completed'; brand: string; last4: string }
  | { outcome: 'declined'; brand: string; last4: string; reason: 'card_declined' | 'expired_card' };

/** Card numbers that always decline, as payment providers' test cards do. */
const DECLINING_CARDS = new Set(['4000000000000002', '4000000000009995']);

export function passesLuhn(digits: string): boolean {
  if (!/^\d{12,19}$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let digit = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

export function cardBrand(digits: string): string {
  if (/^4/.test(digits)) return 'visa';
  if (/^(5[1-5]|2[2-7])/.test(digits)) return 'mastercard';
  if (/^3[47]/.test(digits)) return 'amex';
  return 'other';
}

/** Card numbers arrive with spaces or dashes as people type them. */
export function normaliseCardNumber(input: string): string {
  return input.replace(/[\s-]/g, '');
}

/**
 * Where a purchase is charged. The idempotency key goes with the charge, as payment providers take
 * one (Stripe's Idempotency-Key): should the marketplace lose its record of a charge, a retried
 * charge with the same key is still made only once at the provider.
 */
export interface PaymentProcessor {
  authorise(card: CardDetails, idempotencyKey?: string): PaymentDecision | Promise<PaymentDecision>;
}

/** The stand-in processor: decides from the card alone, remembers nothing. */
export const standInProcessor: PaymentProcessor = { authorise: (card) => authorisePayment(card) };

export function authorisePayment(card: CardDetails, now: Date = new Date()): PaymentDecision {
  const digits = normaliseCardNumber(card.number);
  const brand = cardBrand(digits);
  const last4 = digits.slice(-4);
  const expiry = new Date(Date.UTC(card.expYear, card.expMonth, 1)); // first day after the expiry month
  if (expiry <= now) return { outcome: 'declined', brand, last4, reason: 'expired_card' };
  if (DECLINING_CARDS.has(digits)) return { outcome: 'declined', brand, last4, reason: 'card_declined' };
  return { outcome: 'completed', brand, last4 };
}
