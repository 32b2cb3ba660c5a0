import { describe, expect, it } from "vitest";
import { parseDuration } from "../../src/contract/duration";
import { PeerTracker } from "../../exporter/src/events";
import { escapeLabelValue, renderPeerSeries } from "../../exporter/src/exposition";
import { parseFlags } from "../../exporter/src/flags";
import { parsePeersFile } from "../../exporter/src/peers-file";
import { DumpParser } from "../../exporter/src/parse-dump";
import type { WgPeer } from "../../exporter/src/peer-table";
import { isConnected } from "../../exporter/src/peer-view";
import { KeyIndex } from "../../exporter/src/key-index";
import { Collector } from "../../exporter/src/collector";
import { fullGc, youngGenerationGc } from "../../exporter/src/young-gc";
import { createSelfMetrics } from "../../exporter/src/self-metrics";
import type { PeerTable } from "../../exporter/src/peer-table";
import { randomBytes } from "node:crypto";

const K1 = "Gw2s4IBfE2fZh/kHK1t/lKb1UI09Zi1PFM2YxJ8SZgU=";
const K2 = "AEc9VooMoxmKLKXYHSeOiibfV58pk2/GrPDLHtIzoQI=";

describe("peers file", () => {
  it("accepts YAML with names, owner, expected and interface", () => {
    const r = parsePeersFile(
      `peers:\n  - public_key: ${K1}\n    friendly_name: alice laptop\n    owner: alice\n` +
        `    expected: true\n  - public_key: ${K2}\n    friendly_name: bob\n    interface: wg1\n`,
      "/etc/p.yml",
    );
    if (!r.ok) throw new Error(r.errors.join());
    expect(r.file.peers).toEqual([
      { publicKey: K1, friendlyName: "alice laptop", owner: "alice", expected: true, interface: null },
      { publicKey: K2, friendlyName: "bob", owner: "", expected: false, interface: "wg1" },
    ]);
  });

  it("accepts JSON by extension", () => {
    const r = parsePeersFile(JSON.stringify({ peers: [{ public_key: K1, friendly_name: "a" }] }), "p.json");
    expect(r.ok).toBe(true);
  });

  it("rejects unknown fields, naming the entry and key", () => {
    const r = parsePeersFile(
      `peers:\n  - public_key: ${K1}\n    friendly_name: a\n  - publickey: ${K2}\n    friendly_name: b\n`,
      "/etc/x.yml",
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toContain("peers file /etc/x.yml: peers[1].publickey: unknown field");
    expect(r.errors).toContain("peers file /etc/x.yml: peers[1].public_key: required, a base64 WireGuard public key");
  });

  it("rejects bad keys, empty names, wrong types, duplicates and unknown top-level fields", () => {
    const r = parsePeersFile(
      `extra: 1\npeers:\n  - {public_key: "abc", friendly_name: a}\n` +
        `  - {public_key: ${K1}, friendly_name: "  "}\n` +
        `  - {public_key: ${K1}, friendly_name: x, expected: "yes"}\n  - {public_key: ${K2}, friendly_name: x}\n` +
        `  - {public_key: ${K2}, friendly_name: y}\n`,
      "f.yml",
    );
    expect(r).toEqual({
      ok: false,
      errors: [
        "peers file f.yml: extra: unknown field",
        "peers file f.yml: peers[0].public_key: not a base64-encoded 32-byte key",
        "peers file f.yml: peers[1].friendly_name: required, a non-empty string",
        "peers file f.yml: peers[2].expected: must be true or false",
        "peers file f.yml: peers[4].public_key: duplicate of peers[3]",
      ],
    });
  });

  it("reports syntax errors as values", () => {
    const r = parsePeersFile("peers: [", "f.yml");
    expect(r.ok).toBe(false);
  });
});

describe("flags", () => {
  it("has the documented defaults (exporter README: flags)", () => {
    const r = parseFlags([]);
    expect(r).toMatchObject({
      kind: "run",
      config: {
        listenHost: undefined,
        listenPort: 9586,
        telemetryPath: "/metrics",
        interfaces: [],
        connectedThresholdMs: 180_000,
        wgCommand: "wg",
        exportEndpoints: false,
      },
    });
  });

  it("accepts --flag=value and --flag value, durations in several forms", () => {
    const r = parseFlags([
      "--wireguard.connected-threshold",
      "3m",
      "--collector.timeout=500ms",
      "--wireguard.interfaces=wg0,wg1",
      "--web.listen-address=[::1]:0",
      "--wireguard.export-endpoints",
    ]);
    expect(r).toMatchObject({
      kind: "run",
      config: {
        connectedThresholdMs: 180_000,
        collectorTimeoutMs: 500,
        interfaces: ["wg0", "wg1"],
        listenHost: "::1",
        listenPort: 0,
        exportEndpoints: true,
      },
    });
    expect(parseDuration("5")).toBe(5000);
    expect(parseDuration("1m30s")).toBe(90_000);
    expect(parseDuration("180s")).toBe(180_000);
  });

  it("names the flag in errors", () => {
    expect(parseFlags(["--wireguard.connected-threshold=soon"])).toMatchObject({
      kind: "error",
      message: expect.stringMatching(/^--wireguard\.connected-threshold: invalid duration/),
    });
    expect(parseFlags(["--web.listen-address=9586"])).toMatchObject({
      kind: "error",
      message: expect.stringMatching(/^--web\.listen-address:/),
    });
    expect(parseFlags(["--nope"])).toMatchObject({ kind: "error", message: expect.stringContaining("--nope") });
    expect(parseFlags(["--help"]).kind).toBe("help");
    expect(parseFlags(["--version"]).kind).toBe("version");
  });
});

interface PeerView extends WgPeer {
  friendlyName: string;
  owner: string;
  expected: boolean;
  known: boolean;
  connected: boolean;
}

const peer = (o: Partial<PeerView>): PeerView => ({
  interface: "wg0",
  publicKey: K1,
  hasPresharedKey: false,
  endpoint: null,
  allowedIps: "10.0.0.2/32",
  latestHandshake: 0,
  rxBytes: 0,
  txBytes: 0,
  persistentKeepalive: null,
  friendlyName: "",
  owner: "",
  expected: false,
  known: false,
  connected: false,
  ...o,
});

const INTERFACE_KEY = "HIgo9xNzJMWLKASShiTqIybxZ0U3wGLiUeJ1PKf8ykw=";

/** The peers as the exporter holds them: their `wg show all dump` lines, parsed, with the
 * peers file's metadata and the connected flag set as given. */
function table(peers: PeerView[]) {
  const lines: string[] = [];
  let iface: string | null = null;
  for (const p of peers) {
    if (p.interface !== iface)
      lines.push([(iface = p.interface), INTERFACE_KEY, INTERFACE_KEY, "51820", "off"].join("\t"));
    lines.push(
      [
        p.interface,
        p.publicKey,
        p.hasPresharedKey ? INTERFACE_KEY : "(none)",
        p.endpoint ?? "(none)",
        p.allowedIps || "(none)",
        p.latestHandshake,
        p.rxBytes,
        p.txBytes,
        p.persistentKeepalive ?? "off",
      ].join("\t"),
    );
  }
  const meta = new Map(
    peers.map((p) => [
      `${p.interface} ${p.publicKey}`,
      p.known || p.friendlyName
        ? {
            publicKey: p.publicKey,
            friendlyName: p.friendlyName,
            owner: p.owner,
            expected: p.expected,
            interface: null,
          }
        : undefined,
    ]),
  );
  const parser = new DumpParser(null, undefined, (iface, key) => meta.get(`${iface} ${key}`));
  parser.push(Buffer.from(lines.join("\n") + "\n"));
  const r = parser.end();
  if (!r.ok) throw new Error(r.error);
  peers.forEach((p, i) => {
    r.table.connected[i] = p.connected ? 1 : 0;
    r.table.expected[i] = p.expected ? 1 : 0;
  });
  return r.table;
}

describe("exposition", () => {
  it("escapes label values", () => {
    expect(escapeLabelValue('a"b\\c\nd')).toBe('a\\"b\\\\c\\nd');
    expect(escapeLabelValue("plain")).toBe("plain");
  });

  it("labels peers by interface, public_key, allowed_ips, friendly_name (empty if unknown); HELP has units", () => {
    const text = [
      ...renderPeerSeries(
        [
          table([
            peer({ rxBytes: 5, txBytes: 7, latestHandshake: 100 }),
            peer({ publicKey: K2, friendlyName: 'say "hi"', owner: "o", known: true, expected: true, connected: true }),
          ]),
        ],
        { exportEndpoints: false },
      ),
    ].join("");
    expect(text).toContain(
      `wireguard_sent_bytes_total{interface="wg0",public_key="${K1}",allowed_ips="10.0.0.2/32",friendly_name=""} 7\n`,
    );
    expect(text).toContain(
      `wireguard_received_bytes_total{interface="wg0",` +
        `public_key="${K1}",allowed_ips="10.0.0.2/32",friendly_name=""} 5\n`,
    );
    expect(text).toContain(
      `wireguard_latest_handshake_seconds{interface="wg0",` +
        `public_key="${K1}",allowed_ips="10.0.0.2/32",friendly_name=""} 100\n`,
    );
    expect(text).toContain(
      `wireguard_peer_connected{interface="wg0",public_key="${K2}",` +
        `allowed_ips="10.0.0.2/32",friendly_name="say \\"hi\\""} 1\n`,
    );
    expect(text).toContain(
      `wireguard_peer_expected{interface="wg0",public_key="${K2}",allowed_ips="10.0.0.2/32",friendly_name="say ` +
        `\\"hi\\""} 1\n`,
    );
    // Only expected peers have the series: no 0 for the others.
    expect(text).not.toContain(`wireguard_peer_expected{interface="wg0",public_key="${K1}"`);
    expect(text).toContain(
      `wireguard_peer_info{interface="wg0",public_key="${K2}",friendly_name="say \\"hi\\"",owner="o"} 1\n`,
    );
    expect(text).toContain("# TYPE wireguard_sent_bytes_total counter\n");
    expect(text).toMatch(/# HELP wireguard_latest_handshake_seconds UNIX timestamp in seconds/);
    expect(text).not.toContain("endpoint");
  });

  it("leaves out wireguard_peer_expected and wireguard_peer_info when no peer is expected or owned: four per peer", () => {
    const text = [
      ...renderPeerSeries([table([peer({ txBytes: 1 }), peer({ publicKey: K2, friendlyName: "b", known: true })])], {
        exportEndpoints: false,
      }),
    ].join("");
    expect(text).not.toContain("wireguard_peer_expected");
    expect(text).not.toContain("wireguard_peer_info");
    expect(text.split("\n").filter((l) => l.startsWith("wireguard_")).length).toBe(2 * 4);
  });

  it("renders several per-interface reads with each family contiguous", () => {
    const text = [
      ...renderPeerSeries(
        [
          table([peer({ txBytes: 1, expected: true })]),
          table([peer({ interface: "wg1", publicKey: K2, txBytes: 2, expected: true })]),
        ],
        { exportEndpoints: false },
      ),
    ].join("");
    const sent = text.split("\n").filter((l) => l.startsWith("wireguard_sent_bytes_total{"));
    expect(sent).toEqual([
      `wireguard_sent_bytes_total{interface="wg0",public_key="${K1}",allowed_ips="10.0.0.2/32",friendly_name=""} 1`,
      `wireguard_sent_bytes_total{interface="wg1",public_key="${K2}",allowed_ips="10.0.0.2/32",friendly_name=""} 2`,
    ]);
    const families = text
      .split("\n")
      .filter((l) => l.startsWith("wireguard_"))
      .map((l) => l.split("{")[0]);
    expect(families).toEqual([...families].sort((a, b) => families.indexOf(a) - families.indexOf(b))); // grouped
    expect(new Set(families).size).toBe(5);
  });

  it("puts endpoints only on an opt-in info metric", () => {
    const text = [
      ...renderPeerSeries([table([peer({ endpoint: "[2001:db8::7]:51820" })])], { exportEndpoints: true }),
    ].join("");
    expect(text).toContain(
      `wireguard_peer_endpoint_info{interface="wg0",public_key="${K1}",endpoint="[2001:db8::7]:51820"} 1\n`,
    );
  });
});

describe("key index", () => {
  it("finds keys by their bytes and tag, through growth and removals, with shared prefixes", () => {
    const keys = Array.from({ length: 5000 }, (_, i) =>
      i % 2 ? "vanityPrefixAAAA" + randomBytes(32).toString("base64").slice(16) : randomBytes(32).toString("base64"),
    );
    const bytes = Buffer.from(keys.join(""), "latin1");
    const index = new KeyIndex();
    const slots = keys.map((_, i) => index.insert(bytes, i * 44, i % 3));
    expect(new Set(slots).size).toBe(keys.length);
    keys.forEach((k, i) => {
      expect(index.find(bytes, i * 44, i % 3)).toBe(slots[i]);
      expect(index.keyOf(slots[i]!)).toBe(k);
    });
    expect(index.find(bytes, 0, 1)).toBe(-1); // same key, other interface
    index.remove(slots.filter((_, i) => i % 5 === 0));
    keys.forEach((_, i) => expect(index.find(bytes, i * 44, i % 3)).toBe(i % 5 === 0 ? -1 : slots[i]));
    expect(index.size).toBe(4000);
    const again = index.insert(bytes, 0, 0); // a freed slot is handed out again
    expect(slots.filter((_, i) => i % 5 === 0)).toContain(again);
    expect(index.find(bytes, 0, 0)).toBe(again);
  });
});

describe("connected and events", () => {
  it("connected iff a handshake happened within the threshold", () => {
    expect(isConnected(0, 1000, 180_000)).toBe(false);
    expect(isConnected(820, 1000, 180_000)).toBe(true);
    expect(isConnected(819, 1000, 180_000)).toBe(false);
  });

  it("first collection is a baseline; then first handshake, stale, reconnect, roaming, add, remove", () => {
    const t = new PeerTracker();
    expect(t.update([table([peer({})])], true)).toEqual([]);
    const step = (peers: PeerView[]) => t.update([table(peers)], true).map((e) => e.event);
    expect(step([peer({ latestHandshake: 10, connected: true, endpoint: "203.0.113.1:1" })])).toEqual([
      "peer_first_handshake",
    ]);
    expect(step([peer({ latestHandshake: 10, connected: true, endpoint: "203.0.113.1:1" })])).toEqual([]);
    expect(step([peer({ latestHandshake: 10, connected: false, endpoint: "203.0.113.1:1" })])).toEqual(["peer_stale"]);
    expect(step([peer({ latestHandshake: 500, connected: true, endpoint: "203.0.113.2:1" })])).toEqual([
      "peer_reconnected",
      "peer_endpoint_changed",
    ]);
    expect(
      step([peer({ latestHandshake: 500, connected: true, endpoint: "203.0.113.2:1" }), peer({ publicKey: K2 })]),
    ).toEqual(["peer_added"]);
    expect(step([peer({ publicKey: K2 })])).toEqual(["peer_removed"]);
    expect(step([peer({ publicKey: K2, interface: "wg1" })])).toEqual(["peer_added", "peer_removed"]);
  });

  it("names the peer and both endpoints in a roaming event; endpoints only when opted in", () => {
    const t = new PeerTracker();
    t.update([table([peer({ latestHandshake: 1, endpoint: "203.0.113.1:1", friendlyName: "a" })])], true);
    expect(
      t.update([table([peer({ latestHandshake: 1, endpoint: "203.0.113.9:1", friendlyName: "a" })])], true),
    ).toEqual([
      {
        event: "peer_endpoint_changed",
        interface: "wg0",
        public_key: K1,
        friendly_name: "a",
        latest_handshake: 1,
        endpoint: "203.0.113.9:1",
        previous_endpoint: "203.0.113.1:1",
      },
    ]);
    const events = t.update([table([peer({ latestHandshake: 1, endpoint: "203.0.113.5:1" })])], false);
    expect(events).toHaveLength(1);
    expect(JSON.stringify(events)).not.toContain("203.0.113");
  });
});

describe("collector", () => {
  it("derives connection events in collection order, when tables are let go or the next collection runs", async () => {
    const reads = [
      [peer({})],
      [peer({ latestHandshake: 10 })],
      [peer({ latestHandshake: 10 }), peer({ publicKey: K2 })],
    ];
    const recycled: PeerTable[] = [];
    let afterRelease = 0;
    const logs: Record<string, unknown>[] = [];
    const collector = new Collector({
      reader: {
        read: async () => [{ interfaceName: null, outcome: { ok: true, table: table(reads.shift()!), parseMs: 0 } }],
        recycle: (t) => recycled.push(t),
      },
      peersFile: null,
      connectedThresholdMs: 180_000,
      exportEndpoints: false,
      log: (level, msg, fields) => logs.push({ level, msg, ...fields }),
      metrics: createSelfMetrics(false),
      now: () => 1_000_000,
      afterRelease: () => afterRelease++,
    });
    const tick = () => new Promise((r) => setImmediate(r));
    const events = () => logs.filter((l) => l.msg === "connection event").map((l) => l.event);

    const c1 = await collector.collect();
    c1.release();
    await tick();
    expect(logs.some((l) => l.msg === "initial peer state")).toBe(true);
    expect(recycled).toEqual(c1.tables);

    const c2 = await collector.collect(); // held: its events wait
    await tick();
    expect(events()).toEqual([]);
    const c3 = await collector.collect(); // the next is done: c2's events come first
    expect(events()).toEqual(["peer_first_handshake"]);
    c3.release();
    await tick();
    expect(events()).toEqual(["peer_first_handshake", "peer_added"]);
    expect(recycled).toHaveLength(2);
    c2.release();
    await tick();
    expect(events()).toEqual(["peer_first_handshake", "peer_added"]); // once each
    expect(recycled).toHaveLength(3);
    expect(afterRelease).toBe(3);
  });

  it("runs V8's collections only when node exposes gc (--expose-gc): young after each scrape, full on request", () => {
    const g = globalThis as { gc?: unknown };
    const had = Object.getOwnPropertyDescriptor(g, "gc");
    try {
      delete g.gc;
      expect(youngGenerationGc()).toBeNull();
      expect(fullGc()).toBeNull();
      const calls: unknown[][] = [];
      g.gc = (...args: unknown[]) => calls.push(args);
      youngGenerationGc()!();
      fullGc()!();
      expect(calls).toEqual([[{ type: "minor" }], []]);
    } finally {
      delete g.gc;
      if (had) Object.defineProperty(g, "gc", had);
    }
  });
});

describe("duration flags", () => {
  it("take days and the Prometheus forms, and everything they took before", () => {
    expect(parseDuration("1d")).toBe(86_400_000);
    expect(parseDuration("1d12h")).toBe(129_600_000);
    expect(parseDuration("1h30m")).toBe(5_400_000);
    expect(parseDuration("1.5m")).toBe(90_000);
    expect(parseDuration("500ms")).toBe(500);
    expect(parseFlags(["--wireguard.connected-threshold=1d"])).toMatchObject({
      kind: "run",
      config: { connectedThresholdMs: 86_400_000 },
    });
  });

  it("refuse zero, and a collector timeout longer than a timer can wait", () => {
    expect(parseFlags(["--wireguard.connected-threshold=0s"])).toEqual({
      kind: "error",
      message: "--wireguard.connected-threshold: must be positive",
    });
    expect(parseFlags(["--collector.timeout=2147483647ms"])).toMatchObject({
      kind: "run",
      config: { collectorTimeoutMs: 2_147_483_647 },
    });
    expect(parseFlags(["--collector.timeout=25d"])).toEqual({
      kind: "error",
      message: "--collector.timeout: must be at most 2147483647ms",
    });
    expect(parseFlags(["--wireguard.connected-threshold=25d"])).toMatchObject({ kind: "run" });
  });
});
