// What counts as a secret or as personal data, by key and by value. One list, used by every sink
// (log lines, span attributes and events, error reports, metric labels).

export const REDACTED = '[REDACTED]';

/** Keys whose values are always secret or personal, compared after lower-casing and dropping non-alphanumerics. */
const SENSITIVE_KEY =
  /password|passwd|passphrase|secret|credential|authorization|cookie|bearer|jwt|cvv|cvc|cardnumber|creditcard|ccnumber|ccnum|socialsecurity|email|emailaddress|phone|mobile|telephone|msisdn|sessionid|sessiontoken|sessionkey|apikey|accesskey|secretkey|privatekey|signingkey|encryptionkey|clientaddress|xforwardedfor|securitycode|token$|^(?:pwd|pass|pin|otp|csc|cid|sig|signature|auth|pan|tel|sid|ssn|iban)$|(?:basic|proxy|x)auth$|amzsignature|amzcredential|amzsecuritytoken/;

const keyCache = new Map<string, boolean>();

export function normalizeKey(key: string): string {
  return key.toLowerCase().replace(/[^a-z0-9]/g, '');
}

export function isSensitiveKey(key: string): boolean {
  let sensitive = keyCache.get(key);
  if (sensitive === undefined) {
    // Dotted attribute names (app.user.ssn, http.request.header.cookie): the whole name and its last part.
    const lastDot = key.lastIndexOf('.');
    sensitive =
      SENSITIVE_KEY.test(normalizeKey(key)) ||
      (lastDot !== -1 && SENSITIVE_KEY.test(normalizeKey(key.slice(lastDot + 1))));
    if (keyCache.size < 10_000) keyCache.set(key, sensitive);
  }
  return sensitive;
}

export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

interface ValueRule {
  name: string;
  /** Cheap test that must pass before the regex runs (keeps the hot path fast for ordinary strings). */
  mayMatch: (s: string) => boolean;
  pattern: RegExp;
  replace: (match: string, ...groups: string[]) => string;
  /** For rules a single replace cannot express. */
  apply?: (input: string, pattern: RegExp) => string;
}

const hasDigits = (s: string, min: number): boolean => {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57 && ++n >= min) return true;
  }
  return false;
};

const BARE_VALUE_END = /[\s&"',;}\]<>)]/;

function redactKeyValues(input: string, pattern: RegExp): string {
  let out = '';
  let copied = 0;
  pattern.lastIndex = 0;
  for (let match = pattern.exec(input); match !== null; match = pattern.exec(input)) {
    const key = match[2] ?? '';
    const valueStart = match.index + match[0].length;
    if (!isSensitiveKey(key) || input.startsWith(REDACTED, valueStart)) continue;
    const open = input[valueStart];
    let valueEnd: number;
    if (open === '"' || open === "'") {
      const close = input.indexOf(open, valueStart + 1);
      valueEnd = close === -1 ? input.length : close + 1;
    } else {
      valueEnd = valueStart;
      while (valueEnd < input.length && !BARE_VALUE_END.test(input[valueEnd] as string)) valueEnd++;
    }
    if (valueEnd === valueStart) continue;
    const quote = open === '"' || open === "'" ? open : '';
    out += `${input.slice(copied, valueStart)}${quote}${REDACTED}${quote}`;
    copied = valueEnd;
    pattern.lastIndex = valueEnd;
  }
  return copied === 0 ? input : out + input.slice(copied);
}

const digitsOnly = (s: string): string => s.replace(/\D/g, '');

/** Order matters: whole header lines and PEM blocks first, then tokens, then key=value pairs, then PII. */
export const VALUE_RULES: ValueRule[] = [
  {
    name: 'private-key',
    mayMatch: (s) => s.includes('PRIVATE KEY'),
    pattern: /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)/g,
    replace: () => REDACTED,
  },
  {
    name: 'header-line',
    mayMatch: (s) => s.includes(':'),
    pattern:
      /\b(cookie|set-cookie|authorization|proxy-authorization|x-api-key|x-auth-token|api-key)(["']?\s*:\s*)(?!\[REDACTED\])[^\r\n]*/gi,
    replace: (_m, name, sep) => `${name}${sep}${REDACTED}`,
  },
  {
    name: 'auth-scheme',
    mayMatch: (s) => /bearer|basic|token|digest|apikey/i.test(s),
    pattern: /\b(Bearer|Basic|Token|Digest|ApiKey)(\s+|%20|\+)(?!\[REDACTED\])[A-Za-z0-9._~+/=%-]{6,}/gi,
    replace: (_m, scheme, sep) => `${scheme}${sep}${REDACTED}`,
  },
  {
    name: 'jwt',
    mayMatch: (s) => s.includes('eyJ'),
    pattern: /eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}(?:\.[A-Za-z0-9_-]*)?/g,
    replace: () => REDACTED,
  },
  {
    name: 'api-key',
    mayMatch: (s) => s.includes('_') || s.includes('-') || s.includes('AKIA') || s.includes('AIza'),
    pattern:
      /\b(?:sk|pk|rk)[-_](?:live[-_]|test[-_]|proj[-_]|ant[-_])?[A-Za-z0-9_-]{16,}|\b(?:AKIA|ASIA)[0-9A-Z]{16}\b|\bgh[pousr]_[A-Za-z0-9]{20,}|\bgithub_pat_[A-Za-z0-9_]{20,}|\bxox[abprs]-[A-Za-z0-9-]{10,}|\bAIza[0-9A-Za-z_-]{30,}|\bglpat-[A-Za-z0-9_-]{20,}|\bnpm_[A-Za-z0-9]{30,}|\bSG\.[\w-]{16,}\.[\w-]{16,}/g,
    replace: () => REDACTED,
  },
  {
    name: 'url-userinfo',
    mayMatch: (s) => s.includes('://') && s.includes('@'),
    pattern: /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@]+@/gi,
    replace: (_m, scheme) => `${scheme}${REDACTED}@`,
  },
  {
    // key=value, key: value, "key":"value" and URL-encoded forms; only sensitive keys are touched, and
    // the scan continues inside other values (a redirect URL can carry ?access_token=…).
    name: 'key-value',
    mayMatch: (s) => s.includes('=') || s.includes(':') || s.includes('%3D') || s.includes('%3d'),
    pattern: /(["']?)([A-Za-z_][\w.-]{0,63})\1\s*(?:=|:|%3[Dd]|%3[Aa])\s*/g,
    replace: (m) => m,
    apply: redactKeyValues,
  },
  {
    name: 'cvv',
    mayMatch: (s) => /cvv|cvc|csc|security/i.test(s),
    pattern: /\b(cvv2?|cvc2?|csc|security[\s_-]?code)(\W{0,3})\d{3,4}\b/gi,
    replace: (_m, name, sep) => `${name}${sep}${REDACTED}`,
  },
  {
    name: 'email',
    mayMatch: (s) => s.includes('@') || s.includes('%40'),
    pattern: /[\p{L}\p{N}._%+'-]+(?:@|%40)[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)*\.\p{L}{2,}/gu,
    replace: () => REDACTED,
  },
  {
    name: 'card-number',
    mayMatch: (s) => hasDigits(s, 13),
    pattern: /(?<!\d)\d(?:[ -]?\d){12,18}(?!\d)/g,
    replace: (m) => {
      const digits = digitsOnly(m);
      return digits.length >= 13 && digits.length <= 19 && luhnValid(digits) ? REDACTED : m;
    },
  },
  {
    name: 'phone',
    mayMatch: (s) => hasDigits(s, 7),
    pattern:
      /(?<![\w.:/-])\+\d[\d\s().-]{6,20}\d(?![\w.])|(?<![\w.:/+-])(?:\(\d{2,4}\)\s?|\d{3}[\s.-])\d{3}[\s.-]\d{4}(?![\w.-]?\d)|\b(phone|tel|mobile|cell|call|sms|whatsapp)(\s*[:=]?\s*)\+?\d[\d\s().-]{5,18}\d/gi,
    replace: (m, context: string | undefined, sep: string | undefined) => {
      const digits = digitsOnly(m).length;
      if (digits < 7 || digits > 15) return m;
      return context ? `${context}${sep ?? ''}${REDACTED}` : REDACTED;
    },
  },
];
