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
      interface: "wg0",
      hasPresharedKey: false,
      endpoint: "203.0.113.82:51821",
      allowedIps: "203.0.113.86/32",
      latestHandshake: 1795838450,
      rxBytes: 5668,
      txBytes: 3324,
      persistentKeepalive: null,
    });
    expect(psk).toMatchObject({
      hasPresharedKey: true,
      endpoint: "[2001:db8::7]:51820",
      allowedIps: "10.44.0.2/32,fd00:44::2/128,10.45.0.0/24",
      latestHandshake: 0,
      rxBytes: 0,
      txBytes: 0,
      persistentKeepalive: 25,
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
      expect({
        interfaces: r.table.interfaces,
        peers: Array.from({ length: r.table.count }, (_, i) => r.table.peer(i)),
      }).toEqual(whole.ok && whole.dump);
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
    expect({
      interfaces: r.table.interfaces,
      peers: Array.from({ length: r.table.count }, (_, i) => r.table.peer(i)),
    }).toEqual(fresh.dump);
  });

  it("accepts empty output (no interfaces)", () => {
    expect(parseDump("", null)).toEqual({ ok: true, dump: { interfaces: [], peers: [] } });
  });

  it("rejects garbage with the line number", () => {
    expect(parseDump("hello world\n", null)).toEqual({
      ok: false,
      error: "wg dump line 1: expected 5 or 9 tab-separated fields, got 1",
    });
    const badNumber = ALL.replace("\t5668\t", "\tfive\t");
    expect(parseDump(badNumber, null)).toMatchObject({ ok: false, error: expect.stringContaining("line 2") });
    const badKey = ALL.replace(/\n(wg0\t)[^\t]+/, "\n$1notakey");
    expect(parseDump(badKey, null)).toMatchObject({ ok: false, error: expect.stringContaining("not a WireGuard key") });
  });

  it("rejects a peer line that does not follow its interface line", () => {
    const peerOnly = ALL.split("\n")[1]! + "\n";
    expect(parseDump(peerOnly, null)).toMatchObject({
      ok: false,
      error: expect.stringContaining("before its interface"),
    });
  });
});

/** ALL with its interface renamed (two interfaces in one `wg show all dump`). */
const renamed = (name: string) => ALL.replace(/^wg0\t/gm, `${name}\t`);
const bytes = (...parts: (string | Buffer)[]) =>
  Buffer.concat(parts.map((p) => (typeof p === "string" ? Buffer.from(p) : p)));

describe("label values that are not UTF-8", () => {
  // Prometheus refuses a whole scrape for one label value that is not UTF-8.
  const badIps = (text: string) =>
    bytes(
      ...text
        .split("203.0.113.86/32")
        .flatMap((part, i) => (i === 0 ? [part] : [Buffer.from([0x31, 0xff, 0xfe]), part])),
    );

  it("fail their interface only, naming the field; the other interfaces are read", () => {
    const r = parseDump(bytes(renamed("wg1"), badIps(renamed("wg2")), renamed("wg3")), null);
    if (!r.ok) throw new Error(r.error);
    expect(r.failures).toEqual(["interface wg2: wg dump line 7: allowed_ips is not valid UTF-8"]);
    expect(r.dump.interfaces.map((i) => i.name)).toEqual(["wg1", "wg3"]);
    expect(r.dump.peers.map((p) => p.interface)).toEqual([...Array(4).fill("wg1"), ...Array(4).fill("wg3")]);
    const good = parseDump(renamed("wg3"), null);
    expect(r.dump.peers.slice(4)).toEqual(good.ok && good.dump.peers);
  });

  it("in the endpoint, later in the interface's lines: what was read of it is dropped too", () => {
    const text = renamed("wg2").replace("203.0.113.77:4500", "\u0000EP\u0000");
    const r = parseDump(
      bytes(
        ...text.split("\u0000EP\u0000").flatMap((part, i) => (i === 0 ? [part] : [Buffer.from([0xc3, 0x28]), part])),
      ),
      null,
    );
    if (!r.ok) throw new Error(r.error);
    expect(r.failures).toEqual(["interface wg2: wg dump line 5: endpoint is not valid UTF-8"]);
    expect(r.dump).toEqual({ interfaces: [], peers: [] });
  });

  it("in the interface name, shown with the bytes escaped", () => {
    const name = Buffer.from([0x77, 0x67, 0xff]);
    const text = bytes(
      ...renamed("\u0000")
        .split("\u0000")
        .flatMap((part, i) => (i === 0 ? [part] : [name, part])),
      renamed("wg9"),
    );
    const r = parseDump(text, null);
    if (!r.ok) throw new Error(r.error);
    expect(r.failures).toEqual(["interface wg\\xff: wg dump line 1: interface name is not valid UTF-8"]);
    expect(r.dump.interfaces.map((i) => i.name)).toEqual(["wg9"]);
  });

  it("in `wg show <iface> dump` output: that interface fails", () => {
    const r = parseDump(badIps(ONE), "wg0");
    expect(r).toMatchObject({
      ok: true,
      failures: ["interface wg0: wg dump line 2: allowed_ips is not valid UTF-8"],
      dump: { interfaces: [], peers: [] },
    });
  });

  it("valid UTF-8 beyond ASCII is kept as it is", () => {
    const r = parseDump(renamed("wgé"), null);
    if (!r.ok) throw new Error(r.error);
    expect(r.failures).toBeUndefined();
    expect(r.dump.interfaces[0]!.name).toBe("wgé");
  });
});

describe("output that is too long", () => {
  it("a line over 1 MiB stops the parser at once, and 100 MB without a newline costs linear time", () => {
    const chunk = Buffer.alloc(64 * 1024, "a");
    const p = new DumpParser(null);
    const t0 = performance.now();
    let accepted = 0;
    for (let sent = 0; sent < 100e6; sent += chunk.length) if (p.push(chunk)) accepted += chunk.length;
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(accepted).toBeLessThanOrEqual(1 << 20);
    expect(p.end()).toEqual({ ok: false, error: "wg dump line 1: line is longer than 1 MiB" });
  });

  it("a long line just under the cap, in small pieces, is read in linear time", () => {
    const ips = Array.from(
      { length: 20_000 },
      (_, i) => `fd00:${(i >> 8).toString(16)}::${(i & 255).toString(16)}/128`,
    ).join(",");
    const text = Buffer.from(ALL.replace("203.0.113.86/32", ips));
    expect(text.length).toBeLessThan(1 << 20);
    const p = new DumpParser(null);
    const t0 = performance.now();
    for (let at = 0; at < text.length; at += 64) p.push(text.subarray(at, at + 64));
    const r = p.end();
    expect(performance.now() - t0).toBeLessThan(1000);
    if (!r.ok) throw new Error(r.error);
    expect(r.table.peer(0).allowedIps).toBe(ips);
  });

  it("more than 256 MiB in all is refused", () => {
    const blank = Buffer.alloc(1 << 20, "\n");
    const p = new DumpParser(null);
    let n = 0;
    while (p.push(blank) && n < 1000) n++;
    expect(n).toBe(256);
    expect(p.end()).toEqual({ ok: false, error: "wg output is larger than 256 MiB" });
  });
});
