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

// Code points a reader cannot see, and that Unicode collations (MariaDB's and MySQL's
// `_ci` ones among them) give no weight: `ki\u00ADm` and `kim` are one address there.
const INVISIBLE = /[\p{Default_Ignorable_Code_Point}\p{Cc}\p{Cf}]/u;
const INVISIBLE_ALL = new RegExp(INVISIBLE.source, "gu");
// Marks left after NFKC (none precomposes with its letter): collations ignore many of them.
const MARKS = /[\p{Mn}\p{Me}]/gu;
const DIGITS = /\p{Nd}/gu;
const DIGIT = /^\p{Nd}$/u;

/**
 * Whether an address may name a new account (register, email change): not
 * when it holds invisible code points (Unicode's default-ignorable ones,
 * controls, format characters), which a reader cannot see and which a
 * database collation may ignore. Addresses already stored are still found.
 */
export function isVisibleEmail(email: string): boolean {
  return !INVISIBLE.test(email);
}

/**
 * The form every spelling of one address shares as far as a database might
 * compare them: invisible code points removed, NFKC (fullwidth `ｋ` is `k`),
 * full case folding (`ß` is `ss`), marks removed and decimal digits of any
 * script read as ASCII digits: the key rate limits count an account under,
 * which must not split what the database matches as one address (merging
 * a few that it keeps apart only shares a counter).
 */
export function emailCollationKey(email: string): string {
  return email
    .replace(INVISIBLE_ALL, "")
    .normalize("NFKC")
    .toUpperCase()
    .toLowerCase()
    .normalize("NFKC")
    .replace(MARKS, "")
    .replace(DIGITS, asciiDigit);
}

/**
 * A decimal digit of any script as its ASCII digit: Unicode encodes each
 * script's digits as runs of ten, 0 to 9 (a stability policy).
 */
function asciiDigit(digit: string): string {
  const code = digit.codePointAt(0) as number;
  let start = code;
  while (DIGIT.test(String.fromCodePoint(start - 1))) start -= 1;
  return String((code - start) % 10);
}
