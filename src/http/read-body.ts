import type { HttpRequest } from "../core/http-request.js";
import { detail, statusDetail } from "../core/http-result.js";
import { HttpError } from "./http-error.js";
import { type BodyDeclaration, DEFAULT_MAX_BODY_SIZE } from "./route.js";
import { parseUrlEncodedForm } from "./url-encoded-form.js";
import {
  type BodyOf,
  type BodySpec,
  decodeJsonBody,
  isJsonContentType,
  validateFields,
} from "./validation.js";

const FORM_TYPES = /^\s*(application\/x-www-form-urlencoded|multipart\/form-data)\s*(;|$)/i;
const URLENCODED = /^\s*application\/x-www-form-urlencoded\s*(;|$)/i;
/** Refuses bytes that are not UTF-8 instead of replacing them with U+FFFD. */
const utf8 = new TextDecoder("utf-8", { fatal: true });
const lenient = new TextDecoder();
/** What U+FFFD stands in for in a value the app's parser decoded: bytes that were not UTF-8. */
const REPLACEMENT = "\uFFFD";

/**
 * Reads and validates a request's body against its declaration. Throws
 * {@link HttpError}: 413 past `maxBytes` (and the connection closes, since
 * the rest of the body is never read), 422 with pydantic-shaped errors, 400
 * for a form that cannot be parsed and for a JSON body or form field that is
 * not UTF-8 (as FastAPI answers): decoding it with U+FFFD in place of the bad
 * bytes would store a password or email other than the one sent.
 *
 * A JSON body is decoded as FastAPI does (Python's error positions); a form
 * is urlencoded or multipart, and any other content type reads as an empty
 * form (its fields are then reported missing). A body the app's own parser
 * already read (`kind: "parsed"`) is validated as it is, except that a
 * string holding U+FFFD is refused as not UTF-8: the app's parser (Express's
 * `express.json()`) put it there in place of bytes it could not decode.
 */
export async function readBody<S extends BodySpec>(
  request: HttpRequest,
  declaration: BodyDeclaration<S>,
  maxBytes = DEFAULT_MAX_BODY_SIZE,
): Promise<BodyOf<S>> {
  const contentType = request.headers.get("content-type") ?? undefined;
  const fields =
    declaration.type === "json"
      ? await jsonFields(request, contentType, maxBytes)
      : await formFields(request, contentType, maxBytes);
  const validated = validateFields(declaration.spec, fields);
  if (!validated.ok) throw new HttpError({ status: 422, body: { detail: validated.errors } });
  return validated.data;
}

async function jsonFields(
  request: HttpRequest,
  contentType: string | undefined,
  maxBytes: number,
): Promise<Record<string, unknown>> {
  const { body } = request;
  if (body.kind === "parsed") {
    const { value } = body;
    // Parsed by the app: its size is at least that of its shortest JSON form (when it can be
    // written at all: a structure nested too deep cannot).
    let text: string | null = null;
    try {
      text = JSON.stringify(value ?? null);
    } catch {}
    if (text !== null && Buffer.byteLength(text) > maxBytes) throw new HttpError(statusDetail(413));
    if (typeof value === "object" && value !== null && !Array.isArray(value)) {
      return decodedByApp(value as Record<string, unknown>);
    }
    return decoded(decodeJsonBody(contentType, text ?? "[]"));
  }
  const bytes = await rawBytes(body, maxBytes);
  // FastAPI decodes only a body it reads as JSON: any other is "not a dict", whatever its bytes.
  const json = contentType === undefined || isJsonContentType(contentType);
  return decoded(decodeJsonBody(contentType, json ? utf8Text(bytes) : lenient.decode(bytes)));
}

function decoded(result: ReturnType<typeof decodeJsonBody>): Record<string, unknown> {
  if (!result.ok) throw new HttpError({ status: 422, body: { detail: result.errors } });
  return result.data;
}

async function formFields(
  request: HttpRequest,
  contentType: string | undefined,
  maxBytes: number,
): Promise<Record<string, unknown>> {
  const { body } = request;
  if (contentType === undefined || !FORM_TYPES.test(contentType)) {
    // Not a form: nothing in it is read, but a body over the limit still answers 413.
    if (body.kind === "raw") await rawBytes(body, maxBytes);
    return {};
  }
  if (body.kind === "parsed") {
    const { value } = body;
    return typeof value === "object" && value !== null
      ? decodedByApp(value as Record<string, unknown>)
      : {};
  }
  const bytes = await rawBytes(body, maxBytes);
  const fields: Record<string, unknown> = {};
  // A repeated field: the last value wins, as in Starlette.
  if (URLENCODED.test(contentType)) {
    const pairs = parseUrlEncodedForm(bytes);
    if (pairs === null) throw unparseable();
    for (const [name, value] of pairs) fields[name] = value;
    return fields;
  }
  // tessera's forms hold text only: a part that is not UTF-8 is refused before the parser
  // would replace its bytes.
  utf8Text(bytes);
  try {
    // The platform's own multipart parser.
    const form = await new Response(bytes, { headers: { "content-type": contentType } }).formData();
    for (const [name, value] of form) fields[name] = value;
    return fields;
  } catch (error) {
    throw unparseable(error);
  }
}

/** The body's text; throws the 400 FastAPI answers for a body that is not UTF-8. */
function utf8Text(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch (error) {
    throw unparseable(error);
  }
}

/** A body the app's parser decoded: its fields, unless one holds what stood for bytes that were not UTF-8. */
function decodedByApp(fields: Record<string, unknown>): Record<string, unknown> {
  for (const value of Object.values(fields)) {
    if (typeof value === "string" && value.includes(REPLACEMENT)) throw unparseable();
  }
  return fields;
}

/** Starlette's answer for a body it could not parse (and FastAPI's for JSON that is not UTF-8). */
function unparseable(cause?: unknown): HttpError {
  return new HttpError(detail(400, "There was an error parsing the body"), { cause });
}

async function rawBytes(
  body: Extract<HttpRequest["body"], { kind: "raw" }>,
  maxBytes: number,
): Promise<Uint8Array> {
  const bytes = await body.read(maxBytes);
  if (bytes === null) throw new HttpError({ ...statusDetail(413), closeConnection: true });
  return bytes;
}
