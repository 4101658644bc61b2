import { describe, expect, it } from "vitest";
import { userCreateSpec } from "../../src/http/schemas.js";
import { decodeJsonBody, validateFields } from "../../src/http/validation.js";

describe("request validation (FastAPI's 422 shapes)", () => {
  it("reports every missing required field at once, in field order", () => {
    expect(validateFields(userCreateSpec, {})).toEqual({
      ok: false,
      errors: [
        { loc: ["body", "email"], msg: "field required", type: "value_error.missing" },
        { loc: ["body", "password"], msg: "field required", type: "value_error.missing" },
      ],
    });
  });

  it("refuses wrong types instead of coercing them", () => {
    const result = validateFields(userCreateSpec, {
      email: "a@example.com",
      password: 12345678,
      is_active: "yes",
    });
    expect(result).toEqual({
      ok: false,
      errors: [
        { loc: ["body", "password"], msg: "str type expected", type: "type_error.str" },
        {
          loc: ["body", "is_active"],
          msg: "value could not be parsed to a boolean",
          type: "type_error.bool",
        },
      ],
    });
  });

  it("normalises emails and drops unknown fields", () => {
    expect(
      validateFields(userCreateSpec, { email: "A@EXAMPLE.com", password: "x", extra: 1 }),
    ).toEqual({ ok: true, data: { email: "A@example.com", password: "x" } });
  });

  it("decodes JSON like FastAPI: by content type, never echoing the body", () => {
    expect(decodeJsonBody("application/json", '{"a":1}')).toEqual({ ok: true, data: { a: 1 } });
    expect(decodeJsonBody(undefined, '{"a":1}')).toEqual({ ok: true, data: { a: 1 } });
    expect(decodeJsonBody("application/vnd.api+json; charset=utf-8", "{}").ok).toBe(true);
    const notDict = { loc: ["body"], msg: "value is not a valid dict", type: "type_error.dict" };
    expect(decodeJsonBody("application/x-www-form-urlencoded", "a=1")).toEqual({
      ok: false,
      errors: [notDict],
    });
    expect(decodeJsonBody("application/json", "[1]")).toEqual({ ok: false, errors: [notDict] });
    expect(decodeJsonBody("application/json", "")).toEqual({
      ok: false,
      errors: [{ loc: ["body"], msg: "field required", type: "value_error.missing" }],
    });
    const broken = decodeJsonBody("application/json", '{"password": "hunter2"');
    expect(broken.ok).toBe(false);
    if (!broken.ok) {
      expect(broken.errors[0]).toMatchObject({
        type: "value_error.jsondecode",
        msg: "JSON decode error",
      });
      expect(broken.errors[0]?.loc[0]).toBe("body");
      expect(typeof broken.errors[0]?.loc[1]).toBe("number");
      expect(JSON.stringify(broken.errors)).not.toContain("hunter2");
    }
  });
});
