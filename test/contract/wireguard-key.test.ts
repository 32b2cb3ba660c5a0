// The WireGuard key format of src/contract against wg itself, and every place that checks keys
// against the contract: the stack config, the exporter's peers-file reader and its dump parser.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  BASE64_DIGIT,
  KEY_LAST_DIGIT,
  WIREGUARD_KEY_LENGTH,
  isWireGuardKey,
  isWireGuardKeyAt,
} from "../../src/contract/wireguard-key";
import { parseDump } from "../../exporter/src/parse-dump";
import { KEY_LENGTH } from "../../exporter/src/peer-table";
import { parsePeersFile } from "../../exporter/src/peers-file";
import { peerSchema } from "../../src/model/schema";

const DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const GOOD = "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=";
const withDigit = (at: number, c: string) => GOOD.slice(0, at) + c + GOOD.slice(at + 1);

/** Keys wg prints: base64 of random bytes, and the edge values. */
const VALID = [
  GOOD,
  Buffer.alloc(32).toString("base64"),
  Buffer.alloc(32, 0xff).toString("base64"),
  ...Array.from({ length: 40 }, () => randomBytes(32).toString("base64")),
];

/** Hostile or near-miss texts, each with why it is not a key. */
const HOSTILE: Array<[string, string]> = [
  ["", "empty"],
  [GOOD.slice(0, 43), "43 characters"],
  [GOOD + "A", "45 characters"],
  [`${GOOD}\n`, "a trailing newline"],
  [` ${GOOD.slice(1)}`, "a space"],
  [GOOD.slice(0, 43) + "A", 'no "=" at the end'],
  [GOOD.slice(0, 42) + "==", '"==": 31 bytes padded to 44'],
  [withDigit(42, "h"), "bits past the 32 bytes (bad padding)"],
  [withDigit(42, "/"), "bits past the 32 bytes, the last digit"],
  [withDigit(42, "="), '"=" inside'],
  [withDigit(0, "="), '"=" first'],
  [withDigit(10, "-"), "base64url digit -"],
  [withDigit(10, "_"), "base64url digit _"],
  [withDigit(10, "."), "not a base64 digit"],
  [withDigit(10, "\0"), "NUL"],
  [withDigit(5, "Ａ"), "fullwidth A (one UTF-16 unit, 3 UTF-8 bytes)"],
  [withDigit(5, "é"), "Latin-1 letter"],
  [withDigit(5, "\u0141"), "a code unit whose low byte is A (0x141)"],
  [GOOD.slice(0, 41) + "\u{1F600}=", "an emoji (two UTF-16 units)"],
  [GOOD.slice(0, 42) + "\uD800=", "a lone surrogate"],
  ["é".repeat(22), "22 two-byte characters: 44 bytes, 22 characters"],
  ["=".repeat(44), "only padding"],
];

const wgBinary = spawnSync("wg", ["--version"]).status === 0;

/** wg's own verdict: `wg pubkey` reads the text with the function wg reads every key with. */
function wgAccepts(text: string): boolean {
  return spawnSync("wg", ["pubkey"], { input: text, encoding: "utf8" }).status === 0;
}

describe("the contract's key format", () => {
  it("is 44 characters; the exporter's table uses the same length", () => {
    expect(WIREGUARD_KEY_LENGTH).toBe(44);
    expect(KEY_LENGTH).toBe(WIREGUARD_KEY_LENGTH);
    expect([...DIGITS].every((c) => BASE64_DIGIT[c.charCodeAt(0)] === 1)).toBe(true);
    expect(BASE64_DIGIT.reduce((a, b) => a + b, 0)).toBe(64);
    expect([...DIGITS].filter((c) => KEY_LAST_DIGIT[c.charCodeAt(0)] === 1).join("")).toBe("AEIMQUYcgkosw048");
  });

  it.each(VALID)("accepts %s", (key) => {
    expect(isWireGuardKey(key)).toBe(true);
    expect(isWireGuardKeyAt(Buffer.from(key), 0, key.length)).toBe(true);
  });

  it.each(HOSTILE)("refuses %j (%s), as a string and as its UTF-8 bytes", (text) => {
    expect(isWireGuardKey(text)).toBe(false);
    const bytes = Buffer.from(text);
    expect(isWireGuardKeyAt(bytes, 0, bytes.length)).toBe(false);
  });

  it("reads bytes in place: a key inside a larger buffer", () => {
    const b = Buffer.from(`wg0\t${GOOD}\t(none)`);
    expect(isWireGuardKeyAt(b, 4, 48)).toBe(true);
    expect(isWireGuardKeyAt(b, 3, 47)).toBe(false);
  });

  it.skipIf(!wgBinary)("agrees with wg on every last digit and on every hostile ASCII text of 44 bytes", () => {
    const texts = [
      ...VALID.slice(0, 5),
      ...[...DIGITS].map((c) => withDigit(42, c)),
      ...HOSTILE.map(([t]) => t),
    ].filter((t) => Buffer.byteLength(t) === 44 && /^[\x21-\x7e]*$/.test(t));
    expect(texts.length).toBeGreaterThan(70);
    const disagree = texts.filter((t) => wgAccepts(t) !== isWireGuardKey(t));
    expect(disagree).toEqual([]);
  });
});

describe("every reader of keys follows the contract", () => {
  const all = [...VALID.slice(0, 5), ...HOSTILE.map(([t]) => t), ...[...DIGITS].map((c) => withDigit(42, c))];

  it("the stack config refuses a peer key exactly when the contract does", () => {
    for (const key of all) {
      const ok = peerSchema.safeParse({ publicKey: key, friendlyName: "n" }).success;
      expect(ok, JSON.stringify(key)).toBe(isWireGuardKey(key));
    }
  });

  it("the exporter's peers-file reader refuses a key exactly when the contract does", () => {
    for (const key of all) {
      const r = parsePeersFile(JSON.stringify({ peers: [{ public_key: key, friendly_name: "n" }] }), "p.json");
      expect(r.ok, JSON.stringify(key)).toBe(isWireGuardKey(key));
      if (!r.ok) expect(r.errors).toEqual(["peers file p.json: peers[0].public_key: not a base64-encoded 32-byte key"]);
    }
  });

  // The dump parser checks each peer's key while copying it, byte by byte: the shape only.
  const parserAccepts = (key: string) => {
    const iface = `wg0\t${VALID[1]}\t${GOOD}\t51820\toff\n`;
    const r = parseDump(
      Buffer.concat([Buffer.from(iface), Buffer.from(`wg0\t${key}\t(none)\t(none)\t10.0.0.2/32\t0\t0\t0\toff\n`)]),
      null,
    );
    return r.ok && r.dump.peers.length === 1 && r.dump.peers[0]!.publicKey === key;
  };

  it("the exporter's dump parser accepts every key wg prints", () => {
    for (const key of VALID) expect(parserAccepts(key), key).toBe(true);
  });

  it("the exporter's dump parser refuses what the contract refuses, except last digits with bits past 32 bytes", () => {
    // wg refuses such a key (see above), so it never prints one: the parser need not look at it.
    const spareBits = (t: string) =>
      t.length === 44 &&
      t.endsWith("=") &&
      BASE64_DIGIT[t.charCodeAt(42)] === 1 &&
      KEY_LAST_DIGIT[t.charCodeAt(42)] === 0;
    const refused = all.filter((t) => !isWireGuardKey(t) && !t.includes("\t") && !t.includes("\n"));
    const accepted = refused.filter(parserAccepts);
    expect(accepted.filter((t) => !spareBits(t))).toEqual([]);
  });
});
