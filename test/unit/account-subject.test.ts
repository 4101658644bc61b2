import { isVisibleEmail } from "tessera-auth";
import { describe, expect, it } from "vitest";
import { emailSubject } from "../../src/http/rate-limit/account-subject.js";

/** Unicode's Default_Ignorable_Code_Point ranges (DerivedCoreProperties.txt). */
const DEFAULT_IGNORABLE: readonly [number, number][] = [
  [0x00ad, 0x00ad],
  [0x034f, 0x034f],
  [0x061c, 0x061c],
  [0x115f, 0x1160],
  [0x17b4, 0x17b5],
  [0x180b, 0x180f],
  [0x200b, 0x200f],
  [0x202a, 0x202e],
  [0x2060, 0x206f],
  [0x3164, 0x3164],
  [0xfe00, 0xfe0f],
  [0xfeff, 0xfeff],
  [0xffa0, 0xffa0],
  [0x1bca0, 0x1bca3],
  [0x1d173, 0x1d17a],
  [0xe0000, 0xe0fff],
];

const codePoints = function* (ranges: readonly [number, number][]) {
  for (const [first, last] of ranges) for (let cp = first; cp <= last; cp++) yield cp;
};

const KIM = emailSubject("kim@example.com");

describe("emailSubject: one rate-limit key for every spelling a database matches as one address", () => {
  it("removes each default-ignorable code point, wherever it stands", () => {
    for (const cp of codePoints(DEFAULT_IGNORABLE)) {
      const invisible = String.fromCodePoint(cp);
      for (const spelling of [
        `ki${invisible}m@example.com`,
        `${invisible}kim@example.com`,
        `kim${invisible}@example.com`,
      ]) {
        expect(emailSubject(spelling), `U+${cp.toString(16)}`).toBe(KIM);
      }
    }
  });

  it("reads fullwidth letters and digits as ASCII, in any case", () => {
    const fullwidth = (text: string) =>
      [...text].map((c) => String.fromCodePoint((c.codePointAt(0) as number) + 0xfee0)).join("");
    for (let letter = 0x61; letter <= 0x7a; letter++) {
      const ascii = String.fromCodePoint(letter);
      const key = emailSubject(`${ascii}1@example.com`);
      expect(emailSubject(`${fullwidth(ascii)}1@example.com`)).toBe(key);
      expect(emailSubject(`${fullwidth(ascii.toUpperCase())}${fullwidth("1")}@example.com`)).toBe(
        key,
      );
    }
    expect(emailSubject("ｋim@example.com")).toBe(KIM);
    expect(emailSubject("ＫＩＭ@ＥＸＡＭＰＬＥ.ＣＯＭ")).toBe(KIM);
  });

  it("folds case fully, and reads other scripts' digits as ASCII digits", () => {
    expect(emailSubject("STRASSE@example.com")).toBe(emailSubject("straße@example.com"));
    expect(emailSubject("ΣΊΣΥΦΟΣ@example.com")).toBe(emailSubject("σίσυφος@example.com"));
    expect(emailSubject("kim٣@example.com")).toBe(emailSubject("kim3@example.com"));
    expect(emailSubject("kim३@example.com")).toBe(emailSubject("kim3@example.com"));
  });

  it("keeps different addresses apart", () => {
    expect(emailSubject("kim@example.com")).not.toBe(emailSubject("kin@example.com"));
    expect(emailSubject("josé@example.com")).not.toBe(emailSubject("jose@example.com"));
    expect(emailSubject("kim@example.com")).not.toBe(emailSubject("kim@example.org"));
  });
});

describe("isVisibleEmail: what a new address may hold", () => {
  it("refuses every default-ignorable code point, control and format character", () => {
    for (const cp of codePoints([...DEFAULT_IGNORABLE, [0x80, 0x9f], [0x600, 0x605]])) {
      expect(isVisibleEmail(`ki${String.fromCodePoint(cp)}m@example.com`), cp.toString(16)).toBe(
        false,
      );
    }
  });

  it("accepts visible addresses, international ones included", () => {
    for (const email of [
      "kim@example.com",
      "ｋim@example.com",
      "jörg@example.com",
      "李@example.com",
    ]) {
      expect(isVisibleEmail(email)).toBe(true);
    }
  });
});
