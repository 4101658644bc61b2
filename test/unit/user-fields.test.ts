import { defineUserFields, type User, type UserWithFields } from "tessera-auth";
import { describe, expect, expectTypeOf, it } from "vitest";

describe("defineUserFields", () => {
  it("types each field: non-null with a default, the enum's values for an enum", () => {
    const fields = defineUserFields({
      displayName: { type: "string", required: true },
      plan: { type: "string", enum: ["free", "pro"], default: "free" },
      age: { type: "integer" },
      newsletter: { type: "boolean", default: false },
    });
    type Member = UserWithFields<typeof fields>;
    expectTypeOf<Member>().toMatchTypeOf<User<string>>();
    expectTypeOf<Member["displayName"]>().toEqualTypeOf<string | null>();
    expectTypeOf<Member["plan"]>().toEqualTypeOf<"free" | "pro">();
    expectTypeOf<Member["age"]>().toEqualTypeOf<number | null>();
    expectTypeOf<Member["newsletter"]>().toEqualTypeOf<boolean>();
    expectTypeOf<UserWithFields<typeof fields, number>["id"]>().toEqualTypeOf<number>();
  });

  it("refuses, at startup, a declaration that could not work, saying why", () => {
    const cases: [unknown, string][] = [
      [{ email: { type: "string" } }, `user field "email": "email" is one of tessera's own fields`],
      [
        { isActive2: { type: "string", column: "is_active" } },
        `"is_active" is one of tessera's own`,
      ],
      [{ "display-name": { type: "string" } }, "a name is letters, digits and underscores"],
      [{ age: { type: "int" } }, 'type must be "string", "integer", "number" or "boolean"'],
      [{ plan: { type: "string", required: true, writableBy: "superuser" } }, "only a field users"],
      [{ plan: { type: "string", enum: ["a"], default: "b" } }, 'the default "b" is refused'],
      [{ age: { type: "integer", default: 1.5 } }, "value is not a valid integer"],
      [{ age: { type: "integer", maxLength: 3 } }, "maxLength is for strings"],
      [{ name: { type: "string", minimum: 3 } }, "minimum is for numbers"],
      [
        { name: { type: "string", maxLength: 100_000 } },
        "maxLength must be an integer from 1 to 10000",
      ],
      [{ name: { type: "string", pattern: "(" } }, 'pattern "(" is not a regular expression'],
      [{ isAdmin: { type: "boolean" }, is_admin: { type: "boolean" } }, 'the JSON name "is_admin"'],
      [
        { a: { type: "string", column: "x" }, b: { type: "string", column: "x" } },
        'two user fields use the column "x"',
      ],
      [{ a: { type: "string", writableBy: "admin" } }, 'writableBy must be "user", "superuser"'],
    ];
    for (const [declaration, message] of cases) {
      expect(() => defineUserFields(declaration as never), JSON.stringify(declaration)).toThrow(
        message,
      );
    }
  });
});
