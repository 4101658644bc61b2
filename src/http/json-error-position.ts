/** Thrown inside the scanner with the index where decoding stopped. */
class SyntaxAt {
  constructor(readonly index: number) {}
}

const WHITESPACE = /[ \t\n\r]*/y;
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?/y;
const HEX4 = /^[0-9a-fA-F]{4}$/;
const SIMPLE_ESCAPES = '"\\/bfnrt';

/**
 * Where CPython's `json` decoder stops on a malformed document, as a character
 * (code point) index: FastAPI reports it as `loc: ["body", <pos>]`. V8's
 * `JSON.parse` messages do not always say where (and their wording changes
 * between Node versions), so the text is scanned again, iteratively (a deeply
 * nested body cannot overflow the stack), the way CPython's decoder reads it.
 * Call it only once `JSON.parse` has failed. `NaN` and `Infinity`, which
 * Python accepts, are refused here as they are by `JSON.parse`.
 */
export function jsonErrorPosition(text: string): number {
  let index: number;
  try {
    index = scanDocument(text);
  } catch (error) {
    if (!(error instanceof SyntaxAt)) throw error;
    index = error.index;
  }
  return [...text.slice(0, index)].length;
}

/** The index of the first character after the document ("Extra data" if not the end). */
function scanDocument(text: string): number {
  const open: string[] = [];
  let i = skip(text, 0);
  for (;;) {
    // A value starts at i.
    const c = text[i];
    if (c === "{" || c === "[") {
      i = skip(text, i + 1);
      if (text[i] === (c === "{" ? "}" : "]")) {
        i++;
      } else {
        open.push(c);
        if (c === "{") i = scanKey(text, i);
        continue;
      }
    } else {
      i = scanScalar(text, i);
    }
    // A value ended at i: close what it ends, or move to the next one.
    for (;;) {
      const container = open.at(-1);
      i = skip(text, i);
      if (container === undefined) return i;
      if (text[i] === (container === "{" ? "}" : "]")) {
        open.pop();
        i++;
        continue;
      }
      if (text[i] !== ",") throw new SyntaxAt(i); // Expecting ',' delimiter
      i = skip(text, i + 1);
      if (container === "{") i = scanKey(text, i);
      break;
    }
  }
}

/** A `"key":` at i; returns where its value starts. */
function scanKey(text: string, i: number): number {
  if (text[i] !== '"') throw new SyntaxAt(i); // Expecting property name enclosed in double quotes
  const end = skip(text, scanString(text, i + 1));
  if (text[end] !== ":") throw new SyntaxAt(end); // Expecting ':' delimiter
  return skip(text, end + 1);
}

function scanScalar(text: string, i: number): number {
  if (text[i] === '"') return scanString(text, i + 1);
  for (const literal of ["null", "true", "false"]) {
    if (text.startsWith(literal, i)) return i + literal.length;
  }
  NUMBER.lastIndex = i;
  if (NUMBER.test(text)) return NUMBER.lastIndex;
  throw new SyntaxAt(i); // Expecting value
}

/** The rest of a string whose opening quote is at i - 1; returns the index after its closing quote. */
function scanString(text: string, i: number): number {
  const begin = i - 1;
  for (;;) {
    if (i >= text.length) throw new SyntaxAt(begin); // Unterminated string starting at
    const c = text.charCodeAt(i);
    if (c === 0x22) return i + 1;
    if (c < 0x20) throw new SyntaxAt(i); // Invalid control character at
    if (c !== 0x5c) {
      i++;
      continue;
    }
    const escaped = text[i + 1];
    if (escaped === undefined) throw new SyntaxAt(begin);
    if (escaped !== "u") {
      if (!SIMPLE_ESCAPES.includes(escaped)) throw new SyntaxAt(i); // Invalid \escape
      i += 2;
      continue;
    }
    if (i + 6 >= text.length || !HEX4.test(text.slice(i + 2, i + 6))) {
      throw new SyntaxAt(i + 1); // Invalid \uXXXX escape
    }
    i += 6;
  }
}

function skip(text: string, i: number): number {
  WHITESPACE.lastIndex = i;
  WHITESPACE.test(text);
  return WHITESPACE.lastIndex;
}
