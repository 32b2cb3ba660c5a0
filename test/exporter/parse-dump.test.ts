import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DumpParser, parseDump } from "../../exporter/src/parse-dump";

// Captured from wireguard-go: a peer after a real handshake with traffic, one with a preshared
// key, an IPv6 endpoint, several allowed IPs and keepalive 25, one with nothing set, one with
// an IPv4 endpoint and no handshake yet.
const fixture = (name: string) => readFileSync(join(__dirname, "fixtures", name), "utf8");
const ALL = fixture("wg-show-all-dump.txt");
const ONE = fixture("wg-show-wg0-dump.txt");

describe("parseDump", () => {
  it("reads the interface line without keeping its private key", () => {
    const r = parseDump(ALL, null);
    if (!r.ok) throw new Error(r.error);
    const privateKey = ALL.split("\n")[0]!.split("\t")[1]!;
    expect(r.dump.interfaces).toEqual([
      { name: "wg0", publicKey: ALL.split("\n")[0]!.split("\t")[2], listenPort: 51820, fwmark: "off" },
    ]);
    expect(JSON.stringify(r.dump)).not.toContain(privateKey);
  });

  it("reads every peer field: handshake, transfer, endpoints, allowed IPs, keepalive", () => {
    const r = parseDump(ALL, null);
    if (!r.ok) throw new Error(r.error);
    const [live, psk, bare, v4] = r.dump.peers;
    expect(r.dump.peers).toHaveLength(4);
    expect(live).toMatchObject({
      interface: "wg0", hasPresharedKey: false, endpoint: "203.0.113.82:51821", allowedIps: "203.0.113.86/32",
      latestHandshake: 1795838450, rxBytes: 5668, txBytes: 3324, persistentKeepalive: null,
    });
    expect(psk).toMatchObject({
      hasPresharedKey: true, endpoint: "[2001:db8::7]:51820", allowedIps: "10.44.0.2/32,fd00:44::2/128,10.45.0.0/24",
      latestHandshake: 0, rxBytes: 0, txBytes: 0, persistentKeepalive: 25,
    });
    expect(bare).toMatchObject({ endpoint: null, allowedIps: "", latestHandshake: 0, persistentKeepalive: null });
    expect(v4).toMatchObject({ endpoint: "203.0.113.77:4500", allowedIps: "10.44.0.3/32" });
  });

  it("never keeps the preshared key", () => {
    const r = parseDump(ALL, null);
    const psk = ALL.split("\n")[2]!.split("\t")[2]!;
    expect(psk).toMatch(/=$/);
    expect(JSON.stringify(r)).not.toContain(psk);
  });

  it("reads `wg show <iface> dump` (no interface column) the same way", () => {
    const all = parseDump(ALL, null);
    const one = parseDump(ONE, "wg0");
    expect(one).toEqual(all);
  });

  it("gives the same peers however wg's output is split into chunks", () => {
    const whole = parseDump(ALL, null);
    const bytes = Buffer.from(ALL);
    for (const size of [1, 2, 3, 7, 44, 100]) {
      const p = new DumpParser(null);
      for (let at = 0; at < bytes.length; at += size) p.push(bytes.subarray(at, at + size));
      const r = p.end();
      if (!r.ok) throw new Error(r.error);
      expect({ interfaces: r.table.interfaces, peers: Array.from({ length: r.table.count }, (_, i) => r.table.peer(i)) }).toEqual(whole.ok && whole.dump);
    }
  });

  it("reads into a used table as into a new one (tables are reused between scrapes)", () => {
    const used = new DumpParser(null);
    used.push(Buffer.from(ALL + ALL.split("\n").slice(1).join("\n")));
    const first = used.end();
    if (!first.ok) throw new Error(first.error);
    const again = new DumpParser("wg0", first.table);
    again.push(Buffer.from(ONE));
    const r = again.end();
    if (!r.ok) throw new Error(r.error);
    expect(r.table).toBe(first.table);
    const fresh = parseDump(ONE, "wg0");
    if (!fresh.ok) throw new Error(fresh.error);
    expect({ interfaces: r.table.interfaces, peers: Array.from({ length: r.table.count }, (_, i) => r.table.peer(i)) }).toEqual(fresh.dump);
  });

  it("accepts empty output (no interfaces)", () => {
    expect(parseDump("", null)).toEqual({ ok: true, dump: { interfaces: [], peers: [] } });
  });

  it("rejects garbage with the line number", () => {
    expect(parseDump("hello world\n", null)).toEqual({ ok: false, error: "wg dump line 1: expected 5 or 9 tab-separated fields, got 1" });
    const badNumber = ALL.replace("\t5668\t", "\tfive\t");
    expect(parseDump(badNumber, null)).toMatchObject({ ok: false, error: expect.stringContaining("line 2") });
    const badKey = ALL.replace(/\n(wg0\t)[^\t]+/, "\n$1notakey");
    expect(parseDump(badKey, null)).toMatchObject({ ok: false, error: expect.stringContaining("not a WireGuard key") });
  });

  it("rejects a peer line that does not follow its interface line", () => {
    const peerOnly = ALL.split("\n")[1]! + "\n";
    expect(parseDump(peerOnly, null)).toMatchObject({ ok: false, error: expect.stringContaining("before its interface") });
  });
});
