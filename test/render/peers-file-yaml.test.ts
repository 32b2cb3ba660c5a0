// The host peers file is written line by line for speed; it must be byte for byte what js-yaml's
// dump writes for the same entries, whatever the names hold.
import { randomBytes } from "node:crypto";
import { dump } from "js-yaml";
import { describe, expect, it } from "vitest";
import { peersYaml } from "../../src/build/hosts/peers-file";

const OPTIONS = { lineWidth: -1, noRefs: true, sortKeys: false } as const;
const key = () => randomBytes(32).toString("base64");

/** Names that YAML reads as something else, or that need quoting, or that are fine as they are. */
const NAMES = [
  "alice-laptop",
  "peer.1",
  "a_b",
  "true",
  "False",
  "NULL",
  "yes",
  "No",
  "on",
  "OFF",
  "y",
  "N",
  "~",
  "null",
  "123",
  "1.5",
  "0x1f",
  "0o17",
  "1e3",
  "-1",
  "+1",
  ".inf",
  ".NaN",
  "2026-12-02",
  "2026-12-02T10:00:00Z",
  "a: b",
  "a #b",
  "a#b",
  "x:",
  "- x",
  "-x",
  "? x",
  "[x]",
  "{x}",
  "&x",
  "*x",
  "!x",
  "|x",
  ">x",
  "%x",
  "@x",
  "`x",
  "'q",
  '"q',
  "x y",
  " x",
  "x ",
  "é",
  "Ünïcødé name",
  "😀",
  "tab\there",
  "back\\slash",
  "multi\nline",
  "cr\rx",
  "<<",
  "=",
  "==",
  "a=b",
  "/slash",
  "+plus",
];

function entries(names: readonly string[]) {
  return names.map((n, i) => ({
    public_key: key(),
    friendly_name: n,
    ...(i % 3 === 0 ? {} : { owner: NAMES[(i * 7) % NAMES.length] }),
    expected: i % 2 === 0,
    interface: i % 4 === 0 ? "wg0" : "wg-1.a",
  }));
}

describe("peersYaml", () => {
  it("writes what js-yaml writes for every kind of name and owner, one at a time", () => {
    for (const name of NAMES) {
      const peers = entries([name, "plain"]);
      expect(peersYaml(peers), JSON.stringify(name)).toBe(dump({ peers }, OPTIONS));
    }
  });

  it("writes what js-yaml writes for many random keys (any base64 first character) and random names", () => {
    const pool = "abcXYZ019 -_.:#'\"!&*?|>%@`,[]{}=+/é\t";
    const names = Array.from({ length: 2000 }, (_, i) =>
      i % 2
        ? `n${i}`
        : Array.from({ length: 1 + (i % 9) }, (_, j) => pool[(i * 31 + j * 17) % pool.length])
            .join("")
            .trim() || "x",
    );
    const peers = entries(names);
    expect(peersYaml(peers)).toBe(dump({ peers }, OPTIONS));
  });

  it("writes an empty list as js-yaml does", () => {
    expect(peersYaml([])).toBe(dump({ peers: [] }, OPTIONS));
  });
});
