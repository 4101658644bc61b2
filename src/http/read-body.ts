import { HttpError } from "./http-error.js";
import type { HttpRequest } from "./http-request.js";
import { detail, statusDetail } from "./http-result.js";
import { type BodyDeclaration, DEFAULT_MAX_BODY_SIZE } from "./route.js";
import { type BodyOf, type BodySpec, decodeJsonBody, validateFields } from "./validation.js";

const FORM_TYPES = /^\s*(application\/x-www-form-urlencoded|multipart\/form-data)\s*(;|$)/i;
const URLENCODED = /^\s*application\/x-www-form-urlencoded\s*(;|$)/i;
const decoder = new TextDecoder();

/**
 * Reads and validates a request's body against its declaration. Throws
 * {@link HttpError}: 413 past `maxBytes` (and the connection closes, since
 * the rest of the body is never read), 422 with pydantic-shaped errors, 400
 * for a form that cannot be parsed.
 *
 * A JSON body is decoded as FastAPI does (Python's error positions); a form
 * is urlencoded or multipart, and any other content type reads as an empty
 * form (its fields are then reported missing). A body the app's own parser
 * already read (`kind: "parsed"`) is validated as it is.
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
      return value as Record<string, unknown>;
    }
    return decoded(decodeJsonBody(contentType, text ?? "[]"));
  }
  return decoded(decodeJsonBody(contentType, decoder.decode(await rawBytes(body, maxBytes))));
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
    return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
  }
  const bytes = await rawBytes(body, maxBytes);
  const fields: Record<string, unknown> = {};
  // A repeated field: the last value wins, as in Starlette.
  if (URLENCODED.test(contentType)) {
    for (const [name, value] of new URLSearchParams(decoder.decode(bytes))) fields[name] = value;
    return fields;
  }
  try {
    // The platform's own multipart parser.
    const form = await new Response(bytes, { headers: { "content-type": contentType } }).formData();
    for (const [name, value] of form) fields[name] = value;
    return fields;
  } catch (error) {
    throw new HttpError(detail(400, "There was an error parsing the body"), { cause: error });
  }
}

async function rawBytes(
  body: Extract<HttpRequest["body"], { kind: "raw" }>,
  maxBytes: number,
): Promise<Uint8Array> {
  const bytes = await body.read(maxBytes);
  if (bytes === null) throw new HttpError({ ...statusDetail(413), closeConnection: true });
  return bytes;
}
