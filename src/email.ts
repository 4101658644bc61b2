import { domainToASCII } from "node:url";

// RFC 5322 dot-atom "atext", plus any non-ASCII letter (SMTPUTF8), as email-validator allows.
const LOCAL_ATOM = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~\-\u0080-\uFFFF]+$/u;
const DOMAIN_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const SPECIAL_USE_DOMAINS = ["arpa", "invalid", "local", "localhost", "onion", "test"];

/**
 * Validates an email address the way FastAPI Users' pydantic `EmailStr` does
 * (email-validator without deliverability checks) and normalises it: the
 * domain is lowercased (and IDNA-encoded), the local part kept as typed.
 *
 * Returns `null` when the address is invalid.
 */
export function normalizeEmail(raw: string): string | null {
  if (raw.length > 320) return null;
  const at = raw.lastIndexOf("@");
  if (at <= 0 || at === raw.length - 1) return null;
  const local = raw.slice(0, at).normalize("NFC");
  const domain = normalizeDomain(raw.slice(at + 1));
  if (domain === null || !isValidLocalPart(local)) return null;
  const email = `${local}@${domain}`;
  return email.length <= 254 ? email : null;
}

function isValidLocalPart(local: string): boolean {
  if (local.length > 64) return false;
  return local.split(".").every((atom) => LOCAL_ATOM.test(atom));
}

function normalizeDomain(raw: string): string | null {
  if (raw.length > 253 || /[\s\p{Cc}]/u.test(raw)) return null;
  const ascii = domainToASCII(raw.normalize("NFC"));
  if (ascii === "" || ascii.length > 253) return null;
  const labels = ascii.split(".");
  if (labels.length < 2 || !labels.every((label) => DOMAIN_LABEL.test(label))) return null;
  const tld = labels.at(-1) as string;
  if (/^[0-9]+$/.test(tld)) return null;
  if (SPECIAL_USE_DOMAINS.some((name) => ascii === name || ascii.endsWith(`.${name}`))) {
    return null;
  }
  return ascii;
}

/** The form under which emails are compared (FastAPI Users compares `lower(email)`). */
export function emailKey(email: string): string {
  return email.toLowerCase();
}
