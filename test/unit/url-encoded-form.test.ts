import { describe, expect, it } from "vitest";
import { parseUrlEncodedForm } from "../../src/http/url-encoded-form.js";

const bytes = (text: string) => new TextEncoder().encode(text);

describe("parseUrlEncodedForm", () => {
  it("reads what URLSearchParams reads when the form is UTF-8", () => {
    for (const text of [
      "",
      "username=alice%40example.com&password=x+y%2Bz",
      "a&&b=&=c&d==e",
      "p=%e2%82%ac%C3%A9&q=%&r=%4g&s=%2",
      "bom=%ef%bb%bf&nul=%00",
    ]) {
      expect(parseUrlEncodedForm(bytes(text)), text).toEqual([...new URLSearchParams(text)]);
    }
    expect(parseUrlEncodedForm(bytes("p=pässwörd+🔑"))).toEqual([["p", "pässwörd 🔑"]]);
  });

  it("refuses a name or value whose bytes are not UTF-8, where URLSearchParams writes U+FFFD", () => {
    for (const text of [
      "p=%ff%fe",
      "p=%c3",
      "p=%c3%28",
      "p=%ed%a0%80",
      "p=%f8%88%80%80%80",
      "%80=x",
    ]) {
      expect(parseUrlEncodedForm(bytes(text)), text).toBeNull();
      expect([...new URLSearchParams(text)].flat().join(""), text).toContain("\uFFFD");
    }
    expect(parseUrlEncodedForm(Uint8Array.from([0x70, 0x3d, 0xff]))).toBeNull();
  });
});
