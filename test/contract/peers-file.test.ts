// The peers file between the generator and the exporter: what the writer renders for every
// committed stack (and for names that need quoting) the exporter's reader accepts, with the same
// entries; what the contract's field rules refuse, the reader refuses, naming the field.
import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { MAX_PEERS_FILE_BYTES as READER_LIMIT, parsePeersFile, type PeerMeta } from "../../exporter/src/peers-file";
import {
  MAX_PEERS_FILE_BYTES,
  PEER_FIELD_NAMES,
  PEER_FIELD_RULES,
  PEERS_LIST,
  isWellFormedText,
} from "../../src/contract/peers-file-fields";
import { renderPeersFile } from "../../src/build/hosts/peers-file";
import { loadStackFile, peersOnHost, validateStackConfig, type Inventory } from "../../src/model/index";
import { REPO } from "../helpers/run";

const HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIC5T7KVG0Jx6Chq6Q/n3wk+i3HXNcS4lpuw+hW1BxRka";
const KEY = "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=";
const stacks = readdirSync(REPO)
  .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
  .filter((s): s is string => s !== undefined);

/** Each host's rendered file read back by the exporter, against the stack's peers on that host. */
function expectRoundTrip(inventory: Inventory) {
  for (const host of inventory.hosts) {
    const text = renderPeersFile(inventory, host);
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(MAX_PEERS_FILE_BYTES);
    const r = parsePeersFile(text, "peers.yml");
    if (!r.ok) throw new Error(`${host.name}: ${r.errors.join("; ")}`);
    const byKey = (a: PeerMeta, b: PeerMeta) =>
      `${a.interface} ${a.publicKey}`.localeCompare(`${b.interface} ${b.publicKey}`);
    const expected = peersOnHost(inventory, host).map((p): PeerMeta => ({
      publicKey: p.publicKey,
      friendlyName: p.friendlyName,
      owner: p.owner ?? "",
      expected: p.expected,
      interface: p.interface,
    }));
    expect([...r.file.peers].sort(byKey), host.name).toEqual(expected.sort(byKey));
  }
}

const keyOf = (i: number) => Buffer.alloc(32, i).toString("base64");

describe("the generator writes what the exporter reads", () => {
  it.each(stacks)("%s: every host's peers file", (stack) => {
    const r = loadStackFile(REPO, stack);
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    expect(r.inventory.peers.length).toBeGreaterThan(0);
    expectRoundTrip(r.inventory);
  });

  it("names and owners that need quoting or are not ASCII", () => {
    const names = ["yes", "null", "123", "1e3", "#hash", "- dash", "a: b", "'q'", '"dq"', "tab\tin", "line\nbreak"];
    names.push("☃ snow", "\u{1F600}", "~", "@at", "%p");
    const r = validateStackConfig(
      {
        hosts: [{ name: "vpn-a", address: "203.0.113.10", ssh: { hostKey: HOST_KEY }, interfaces: ["wg0", "wg.1"] }],
        prometheus: { ssh: { hostKey: HOST_KEY } },
        peers: names.map((n, i) => ({
          publicKey: keyOf(i),
          friendlyName: n,
          owner: `${n} owner`,
          interface: i % 2 ? "wg.1" : "wg0",
          expected: i % 3 === 0,
        })),
      },
      "test",
    );
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    expectRoundTrip(r.inventory);
  });

  it("both sides have one size limit", () => {
    expect(READER_LIMIT).toBe(MAX_PEERS_FILE_BYTES);
  });
});

describe("the reader applies the contract's field rules", () => {
  const entry = (fields: Record<string, unknown>) =>
    JSON.stringify({ [PEERS_LIST]: [{ public_key: KEY, friendly_name: "n", ...fields }] });
  const read = (fields: Record<string, unknown>) => parsePeersFile(entry(fields), "p.json");

  const HOSTILE: Array<[string, unknown, string]> = [
    ["public_key", KEY.slice(1), "not a base64-encoded 32-byte key"],
    ["public_key", `${KEY.slice(0, 42)}h=`, "not a base64-encoded 32-byte key"],
    ["public_key", `${KEY.slice(0, 42)}==`, "not a base64-encoded 32-byte key"],
    ["public_key", KEY.replace("x", "Ｘ"), "not a base64-encoded 32-byte key"],
    ["public_key", 42, "required, a base64 WireGuard public key"],
    ["public_key", undefined, "required, a base64 WireGuard public key"],
    ["friendly_name", "", "required, a non-empty string"],
    ["friendly_name", " \t", "required, a non-empty string"],
    ["friendly_name", "\uD800x", "must be well-formed Unicode (no lone surrogate)"],
    ["friendly_name", ["a"], "required, a non-empty string"],
    ["owner", "\uDC00", "must be well-formed Unicode (no lone surrogate)"],
    ["owner", 7, "must be a string"],
    ["owner", null, "must be a string"],
    ["expected", "true", "must be true or false"],
    ["expected", 1, "must be true or false"],
    ["interface", "", "must be a non-empty string"],
    ["interface", false, "must be a non-empty string"],
  ];

  it.each(HOSTILE)("%s: %j is refused: %s", (field, value, why) => {
    expect(PEER_FIELD_RULES[field as keyof typeof PEER_FIELD_RULES](value)).toBe(why);
    const r = read({ [field]: value });
    expect(r.ok ? [] : r.errors).toEqual([`peers file p.json: ${PEERS_LIST}[0].${field}: ${why}`]);
  });

  it.each<[string, unknown]>([
    ["friendly_name", "\u{1F600} a well-formed pair"],
    ["owner", ""],
    ["expected", false],
    ["interface", "wg@anything the kernel allows"],
  ])("%s: %j is accepted", (field, value) => {
    expect(PEER_FIELD_RULES[field as keyof typeof PEER_FIELD_RULES](value)).toBeUndefined();
    expect(read({ [field]: value }).ok).toBe(true);
  });

  it("knows exactly the contract's fields", () => {
    expect(PEER_FIELD_NAMES).toEqual(["public_key", "friendly_name", "owner", "expected", "interface"]);
    const r = read({ publicKey: KEY });
    expect(r.ok ? [] : r.errors).toEqual([`peers file p.json: ${PEERS_LIST}[0].publicKey: unknown field`]);
  });

  it("well-formed text: a pair is one character, a lone half is not", () => {
    expect(isWellFormedText("a\u{1F600}b")).toBe(true);
    expect(isWellFormedText("\uD83D")).toBe(false);
    expect(isWellFormedText("\uDE00\uD83D")).toBe(false);
  });
});
