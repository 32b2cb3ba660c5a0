// The exporter on a real wireguard-go tunnel between two network namespaces.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { metricValue, startExporter, type RunningExporter } from "../harness/exporter";
import { startTunnel, waitForHandshake, type Tunnel } from "../harness/tunnel";

let t: Tunnel;
let e: RunningExporter;
let dir: string;

const scrape = async () => (await fetch(e.url + "/metrics")).text();
const labels = () => ({ interface: t.serverIf, public_key: t.peerPublicKey });

async function until<T>(f: () => Promise<T | undefined>, what: string, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

beforeAll(async () => {
  t = await startTunnel({ id: "exp-tunnel" });
  dir = mkdtempSync(join(tmpdir(), "wgm-exp-tunnel-"));
  const peersFile = join(dir, "peers.yml");
  writeFileSync(
    peersFile,
    `peers:\n  - public_key: ${t.peerPublicKey}\n` +
      `    friendly_name: branch office\n    owner: ops\n    expected: true\n`,
  );
  e = await startExporter({
    peersFile,
    args: [
      `--wireguard.interfaces=${t.serverIf}`,
      "--wireguard.connected-threshold=3s",
      "--wireguard.export-endpoints",
    ],
  });
});

afterAll(async () => {
  await e?.stop();
  await t?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("exporter on a real tunnel", () => {
  it("exports the counters and handshake time that `wg show dump` reports, with the friendly name", async () => {
    await waitForHandshake(t);
    await t.sendTraffic(20_000);
    await new Promise((r) => setTimeout(r, 300)); // let the last datagrams land; the tunnel is then idle
    const text = await scrape();
    const dump = (await t.wg(["show", t.serverIf, "dump"])).trim().split("\n")[1]!.split("\t");
    const [, , endpoint, allowed, hs, rx, tx] = dump;
    const l = { ...labels(), allowed_ips: allowed!, friendly_name: "branch office" };
    expect(metricValue(text, "wireguard_received_bytes_total", l)).toBe(Number(rx));
    expect(metricValue(text, "wireguard_sent_bytes_total", l)).toBe(Number(tx));
    expect(metricValue(text, "wireguard_latest_handshake_seconds", l)).toBe(Number(hs));
    expect(Number(rx)).toBeGreaterThan(20_000);
    expect(metricValue(text, "wireguard_peer_connected", l)).toBe(1);
    expect(metricValue(text, "wireguard_peer_expected", l)).toBe(1);
    expect(metricValue(text, "wireguard_peer_info", { ...labels(), owner: "ops" })).toBe(1);
    expect(metricValue(text, "wireguard_peer_endpoint_info", { ...labels(), endpoint: endpoint! })).toBe(1);
    expect(metricValue(text, "wireguard_peers", { interface: t.serverIf })).toBe(1);
    expect(
      metricValue(text, "wireguard_interface_info", {
        interface: t.serverIf,
        public_key: t.serverPublicKey,
        listen_port: "51820",
      }),
    ).toBe(1);
    expect(metricValue(text, "wireguard_scrape_success")).toBe(1);
    expect(metricValue(text, "wireguard_exporter_build_info", { nodejs: process.version })).toBe(1);
  });

  it("counters grow with traffic through the tunnel", async () => {
    const before = metricValue(await scrape(), "wireguard_received_bytes_total", labels())!;
    await t.sendTraffic(50_000);
    const after = await until(async () => {
      const v = metricValue(await scrape(), "wireguard_received_bytes_total", labels())!;
      return v >= before + 50_000 ? v : undefined;
    }, "received bytes to grow by 50k");
    expect(after).toBeGreaterThanOrEqual(before + 50_000);
  });

  it("/peers lists the peer with its name, counters and endpoint (opted in)", async () => {
    const body = (await (await fetch(e.url + "/peers")).json()) as {
      peer_count: number;
      peers: Record<string, unknown>[];
    };
    expect(body.peer_count).toBe(1);
    expect(body.peers[0]).toMatchObject({
      interface: t.serverIf,
      public_key: t.peerPublicKey,
      friendly_name: "branch office",
      owner: "ops",
      expected: true,
      allowed_ips: [`${t.peerTunnelIp}/32`],
      connected: true,
      endpoint: `${t.peerUnderlayIp}:51821`,
    });
    expect(typeof body.peers[0]!.latest_handshake).toBe("number");
    const health = await fetch(e.url + "/health");
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: "healthy", peers_file: { loaded: true, peer_count: 1 } });
  });

  it("when the peer side stops, wireguard_peer_connected is 0 past the threshold, a stale event logged", async () => {
    await t.stopPeer();
    await until(
      async () => (metricValue(await scrape(), "wireguard_peer_connected", labels()) === 0 ? true : undefined),
      "connected to drop to 0",
    );
    // events are derived after the scrape is answered
    const stale = await until(async () => e.logs().find((l) => l.event === "peer_stale"), "stale event");
    expect(stale).toMatchObject({
      msg: "connection event",
      interface: t.serverIf,
      public_key: t.peerPublicKey,
      friendly_name: "branch office",
    });
  });

  it("when the peer comes back (from a new port) it reconnects, and the roaming is logged", async () => {
    const [, old] = (await t.wg(["show", t.serverIf, "latest-handshakes"])).trim().split("\t");
    await t.startPeer();
    await waitForHandshake(t, { after: Number(old) });
    await until(
      async () => (metricValue(await scrape(), "wireguard_peer_connected", labels()) === 1 ? true : undefined),
      "connected back to 1",
    );
    await until(
      async () => e.logs().find((l) => l.event === "peer_reconnected" && l.public_key === t.peerPublicKey),
      "reconnected event",
    );
    // roaming: the peer moves to another source port
    await t.wg(["set", t.peerIf, "listen-port", "51999"]);
    await t.sendTraffic(2_000);
    await until(async () => {
      await scrape();
      return e.logs().find((l) => l.event === "peer_endpoint_changed");
    }, "endpoint change event");
    const roam = e.logs().find((l) => l.event === "peer_endpoint_changed")!;
    expect(roam).toMatchObject({
      endpoint: `${t.peerUnderlayIp}:51999`,
      previous_endpoint: `${t.peerUnderlayIp}:51821`,
    });
  });

  it("logs a peer added and removed on the interface", async () => {
    const key = "AEc9VooMoxmKLKXYHSeOiibfV58pk2/GrPDLHtIzoQI=";
    await t.wg(["set", t.serverIf, "peer", key, "allowed-ips", "203.0.113.250/32"]);
    await scrape();
    await t.wg(["set", t.serverIf, "peer", key, "remove"]);
    await scrape();
    const events = await until(async () => {
      const seen = e
        .logs()
        .filter((l) => l.public_key === key)
        .map((l) => l.event);
      return seen.length >= 2 ? seen : undefined;
    }, "added and removed events");
    expect(events).toEqual(["peer_added", "peer_removed"]);
  });

  it("never logs or exports the private key", async () => {
    const text = await scrape();
    const all = JSON.stringify(e.logs()) + text + (await (await fetch(e.url + "/peers")).text());
    const privDump = (await t.wg(["show", t.serverIf, "private-key"])).trim();
    expect(privDump.length).toBe(44);
    expect(all.includes(privDump)).toBe(false);
  });
});
