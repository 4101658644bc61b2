import { redactUrl } from "tessera-auth";
import { describe, expect, it } from "vitest";

describe("redactUrl (startup lines, error messages)", () => {
  it("masks the password of a server URL, keeping user, host, port and database", () => {
    expect(redactUrl("postgres://user:s3cret@db.example.com:5432/app")).toBe(
      "postgres://user:***@db.example.com:5432/app",
    );
    expect(redactUrl("postgresql://user:pw@host/db?sslmode=require")).toBe(
      "postgresql://user:***@host/db?sslmode=require",
    );
    expect(redactUrl("mysql://root:hunter2@127.0.0.1:3306/tessera")).toBe(
      "mysql://root:***@127.0.0.1:3306/tessera",
    );
    expect(redactUrl("postgres://:only-a-password@host/db")).toBe("postgres://:***@host/db");
  });

  it("masks all of a password that contains @ or :", () => {
    const redacted = redactUrl("postgres://user:p@ss:w@rd@host/db");
    expect(redacted).toBe("postgres://user:***@host/db");
    expect(redacted).not.toMatch(/ss|rd/);
  });

  it("masks a password given as a query parameter", () => {
    expect(redactUrl("postgres://host/db?user=app&password=s3cret&sslmode=require")).toBe(
      "postgres://host/db?user=app&password=***&sslmode=require",
    );
  });

  it("leaves URLs without a password as they are", () => {
    for (const url of [
      "sqlite:tessera.db",
      "sqlite:///var/lib/app/tessera.db",
      "sqlite::memory:",
      "postgres://user@host:5432/db",
      "postgres://host:5432/db",
    ]) {
      expect(redactUrl(url)).toBe(url);
    }
  });
});
