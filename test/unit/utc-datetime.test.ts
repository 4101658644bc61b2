import { describe, expect, it } from "vitest";
import { formatUtcDateTime, parseUtcDateTime } from "../../src/adapters/kysely/utc-datetime.js";

describe("UTC datetimes as drivers return them", () => {
  const instant = new Date("2026-01-31T12:34:56.789Z");

  it("reads naive text as UTC and round-trips what it writes", () => {
    expect(formatUtcDateTime(instant)).toBe("2026-01-31 12:34:56.789000");
    expect(parseUtcDateTime("2026-01-31 12:34:56.789000")).toEqual(instant);
  });

  it("honours every offset form, PostgreSQL's hour-only text included", () => {
    for (const text of [
      "2026-01-31T12:34:56.789Z",
      "2026-01-31 13:34:56.789+01",
      "2026-01-31 13:34:56.789+01:00",
      "2026-01-31 09:04:56.789-0330",
    ]) {
      expect(parseUtcDateTime(text), text).toEqual(instant);
    }
  });

  it("gives an invalid date for text that is not one, and a Date back as it is", () => {
    expect(Number.isNaN(parseUtcDateTime("yesterday").getTime())).toBe(true);
    expect(parseUtcDateTime(instant)).toBe(instant);
  });
});
