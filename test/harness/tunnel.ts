// Real WireGuard tunnels for tests: two network namespaces joined by a veth pair, a
// wireguard-go interface in each, real keys, real handshakes.
//
//   const t = await startTunnel({ id: "alerts" });
//   await t.sendTraffic(10_000);   // peer → server through the tunnel
//   ...; await t.close();          // also call it in afterAll
//
// Names: namespaces `wgm-<id>-<pid>-<n>-srv|peer`; interfaces `wm<6 hex>s|p` (≤ 15 chars,
// unique host-wide because wireguard-go's UAPI sockets live in /var/run/wireguard, shared by
// all namespaces). Addresses: a /29 of 203.0.113.0/24 derived from id (and a per-process
// counter): .b+1/.b+2 on the veth pair (a /30), .b+5/.b+6 inside the tunnel (a /30). They exist
// only inside the two namespaces; nothing is added to the root namespace.
//
// Because `wg` talks to wireguard-go over that host-global socket, `wg show <serverIf> dump`
// works from the root namespace too: an exporter in the root namespace can read the tunnel
// with `--wireguard.interfaces=<serverIf>` and be scraped by a Prometheus there.
import { spawn, execFile, execFileSync, type ChildProcess } from "node:child_process";
import { createHash, generateKeyPairSync } from "node:crypto";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface TunnelOptions {
  id: string; // short, [a-z0-9-]; names the namespaces and picks the address block
  listenPort?: number; // server's UDP port inside its namespace (default 51820)
  persistentKeepalive?: number; // seconds, set on the peer side (default off)
}

export interface Tunnel {
  id: string;
  serverNs: string;
  peerNs: string;
  serverIf: string;
  peerIf: string;
  serverPublicKey: string;
  peerPublicKey: string;
  serverTunnelIp: string;
  peerTunnelIp: string;
  serverUnderlayIp: string; // veth address in serverNs (the peer's configured endpoint)
  peerUnderlayIp: string;
  listenPort: number;
  /** Sends about `bytes` of UDP payload from the peer to the server through the tunnel. */
  sendTraffic(bytes: number): Promise<void>;
  /** Runs `wg <args>` (e.g. ["show", t.serverIf, "dump"]) and returns stdout. */
  wg(args: string[]): Promise<string>;
  /** Stops the peer's wireguard-go (its interface disappears); the server keeps its state. */
  stopPeer(): Promise<void>;
  /** Starts the peer side again with the same keys and addresses. */
  startPeer(): Promise<void>;
  close(): Promise<void>;
}

export function requireTunnelPrerequisites(): void {
  if (process.getuid?.() !== 0) throw new Error("real-tunnel tests need root (network namespaces, TUN devices)");
  for (const tool of ["wireguard-go", "wg", "ip"]) {
    try {
      execFileSync("sh", ["-c", `command -v ${tool}`], { stdio: "ignore" });
    } catch {
      throw new Error(
        `real-tunnel tests need \`${tool}\` on PATH (apt-get install wireguard-go wireguard-tools iproute2)`,
      );
    }
  }
  if (!existsSync("/dev/net/tun")) throw new Error("real-tunnel tests need /dev/net/tun");
}

let counter = 0;
const open = new Set<Tunnel>();
process.once("exit", () => {
  // Last resort if a test run dies before afterAll: synchronous cleanup of what we made.
  for (const t of open) (t as TunnelImpl).closeSync();
});

function run(cmd: string, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = execFile(cmd, args, { timeout: 30_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(" ")}: ${stderr || err.message}`));
      else resolve(stdout);
    });
    if (input !== undefined) c.stdin!.end(input);
  });
}

function keyPair(): { priv: string; pub: string } {
  const { privateKey, publicKey } = generateKeyPairSync("x25519");
  const d = privateKey.export({ format: "jwk" }).d!;
  const x = publicKey.export({ format: "jwk" }).x!;
  return { priv: Buffer.from(d, "base64url").toString("base64"), pub: Buffer.from(x, "base64url").toString("base64") };
}

async function waitFor(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface Side {
  ns: string;
  ifName: string;
  keys: { priv: string; pub: string };
  tunnelIp: string;
  proc: ChildProcess | null;
}

class TunnelImpl implements Tunnel {
  readonly serverNs: string;
  readonly peerNs: string;
  readonly serverIf: string;
  readonly peerIf: string;
  readonly serverTunnelIp: string;
  readonly peerTunnelIp: string;
  readonly serverUnderlayIp: string;
  readonly peerUnderlayIp: string;
  readonly listenPort: number;
  private readonly dir: string;
  private readonly srv: Side;
  private readonly peer: Side;
  private closed = false;

  constructor(
    readonly id: string,
    private readonly opts: TunnelOptions,
  ) {
    const n = ++counter;
    const h = createHash("sha256").update(`${id}:${process.pid}:${n}:${Date.now()}`).digest("hex");
    const base = 8 * ((parseInt(createHash("sha256").update(id).digest("hex").slice(0, 8), 16) + n - 1) % 32);
    this.serverNs = `wgm-${id}-${process.pid}-${n}-srv`;
    this.peerNs = `wgm-${id}-${process.pid}-${n}-peer`;
    this.serverIf = `wm${h.slice(0, 6)}s`;
    this.peerIf = `wm${h.slice(0, 6)}p`;
    this.serverUnderlayIp = `203.0.113.${base + 1}`;
    this.peerUnderlayIp = `203.0.113.${base + 2}`;
    this.serverTunnelIp = `203.0.113.${base + 5}`;
    this.peerTunnelIp = `203.0.113.${base + 6}`;
    this.listenPort = opts.listenPort ?? 51820;
    this.dir = mkdtempSync(join(tmpdir(), `wgm-${id}-`));
    this.srv = { ns: this.serverNs, ifName: this.serverIf, keys: keyPair(), tunnelIp: this.serverTunnelIp, proc: null };
    this.peer = { ns: this.peerNs, ifName: this.peerIf, keys: keyPair(), tunnelIp: this.peerTunnelIp, proc: null };
  }

  get serverPublicKey() {
    return this.srv.keys.pub;
  }
  get peerPublicKey() {
    return this.peer.keys.pub;
  }

  async setup(): Promise<void> {
    await run("ip", ["netns", "add", this.serverNs]);
    await run("ip", ["netns", "add", this.peerNs]);
    for (const ns of [this.serverNs, this.peerNs]) await run("ip", ["-n", ns, "link", "set", "lo", "up"]);
    await run("ip", [
      "-n",
      this.serverNs,
      "link",
      "add",
      "vs",
      "type",
      "veth",
      "peer",
      "name",
      "vp",
      "netns",
      this.peerNs,
    ]);
    await run("ip", ["-n", this.serverNs, "addr", "add", `${this.serverUnderlayIp}/30`, "dev", "vs"]);
    await run("ip", ["-n", this.peerNs, "addr", "add", `${this.peerUnderlayIp}/30`, "dev", "vp"]);
    await run("ip", ["-n", this.serverNs, "link", "set", "vs", "up"]);
    await run("ip", ["-n", this.peerNs, "link", "set", "vp", "up"]);
    await this.startSide(this.srv, [
      "listen-port",
      String(this.listenPort),
      "peer",
      this.peer.keys.pub,
      "allowed-ips",
      `${this.peerTunnelIp}/32`,
    ]);
    await this.startPeer();
  }

  private async startSide(s: Side, wgArgs: string[]): Promise<void> {
    const sock = `/var/run/wireguard/${s.ifName}.sock`;
    if (existsSync(sock)) throw new Error(`${sock} already exists: interface name collision`);
    // -f: stay in the foreground so we own the PID; ip netns exec execs, so the PID is wireguard-go's
    const proc = spawn("ip", ["netns", "exec", s.ns, "wireguard-go", "-f", s.ifName], {
      stdio: "ignore",
      env: { ...process.env, WG_HIDE_KEYS: "always", LOG_LEVEL: "error" },
    });
    s.proc = proc;
    let exited = false;
    proc.once("exit", () => (exited = true));
    await waitFor(() => existsSync(sock) || exited, `wireguard-go ${s.ifName} socket`);
    if (exited) throw new Error(`wireguard-go ${s.ifName} exited at start`);
    const keyFile = join(this.dir, `${s.ifName}.key`);
    writeFileSync(keyFile, s.keys.priv + "\n", { mode: 0o600 });
    await run("wg", ["set", s.ifName, "private-key", keyFile, ...wgArgs]);
    await run("ip", ["-n", s.ns, "addr", "add", `${s.tunnelIp}/30`, "dev", s.ifName]);
    await run("ip", ["-n", s.ns, "link", "set", s.ifName, "up"]);
  }

  async startPeer(): Promise<void> {
    const ka = this.opts.persistentKeepalive ? ["persistent-keepalive", String(this.opts.persistentKeepalive)] : [];
    await this.startSide(this.peer, [
      "listen-port",
      "51821",
      "peer",
      this.srv.keys.pub,
      "allowed-ips",
      `${this.serverTunnelIp}/32`,
      "endpoint",
      `${this.serverUnderlayIp}:${this.listenPort}`,
      ...ka,
    ]);
  }

  async stopPeer(): Promise<void> {
    await stopProc(this.peer);
  }

  wg(args: string[]): Promise<string> {
    return run("wg", args);
  }

  async sendTraffic(bytes: number): Promise<void> {
    // A tiny UDP sender run inside the peer namespace; the datagrams go through the tunnel.
    const script = `
      const s = require("node:dgram").createSocket("udp4");
      let left = ${Math.max(1, Math.floor(bytes))};
      const payload = Buffer.alloc(1000, 0x61);
      (async () => {
        while (left > 0) {
          const n = Math.min(left, payload.length); left -= n;
          await new Promise((r) => s.send(payload.subarray(0, n), 9, "${this.serverTunnelIp}", r));
          await new Promise((r) => setTimeout(r, 2));
        }
        s.close();
      })();`;
    await run("ip", ["netns", "exec", this.peerNs, process.execPath, "-e", script]);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await stopProc(this.peer);
    await stopProc(this.srv);
    this.closeSync();
  }

  closeSync(): void {
    if (this.closed) return;
    this.closed = true;
    open.delete(this);
    for (const s of [this.srv, this.peer]) if (s.proc && s.proc.exitCode === null) s.proc.kill("SIGKILL");
    for (const ns of [this.serverNs, this.peerNs]) {
      try {
        execFileSync("ip", ["netns", "del", ns], { stdio: "ignore" });
      } catch {
        /* already gone */
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

async function stopProc(s: Side): Promise<void> {
  const p = s.proc;
  s.proc = null;
  if (!p || p.exitCode !== null || p.signalCode !== null) return;
  const gone = new Promise<void>((r) => p.once("exit", () => r()));
  p.kill("SIGTERM");
  const t = setTimeout(() => p.kill("SIGKILL"), 3000);
  await gone;
  clearTimeout(t);
  // wireguard-go removes its socket on exit; wait so a restart can reuse the name
  await waitFor(() => !existsSync(`/var/run/wireguard/${s.ifName}.sock`), `${s.ifName} socket removal`, 5000).catch(
    () => {
      rmSync(`/var/run/wireguard/${s.ifName}.sock`, { force: true });
    },
  );
}

export async function startTunnel(opts: TunnelOptions): Promise<Tunnel> {
  if (!/^[a-z0-9-]{1,16}$/.test(opts.id)) throw new Error(`tunnel id "${opts.id}": use 1-16 chars of [a-z0-9-]`);
  requireTunnelPrerequisites();
  const t = new TunnelImpl(opts.id, opts);
  open.add(t);
  try {
    await t.setup();
  } catch (e) {
    await t.close();
    throw e;
  }
  return t;
}

/**
 * Waits until the server has a handshake with the peer newer than `after` (UNIX seconds;
 * default 0 = any), sending traffic from the peer to trigger one. Returns its timestamp.
 */
export async function waitForHandshake(t: Tunnel, opts: { after?: number; ms?: number } = {}): Promise<number> {
  const ms = opts.ms ?? 20_000;
  const end = Date.now() + ms;
  for (;;) {
    const dump = await t.wg(["show", t.serverIf, "latest-handshakes"]);
    const hs = Number(dump.trim().split("\t")[1] ?? 0);
    if (hs > (opts.after ?? 0)) return hs;
    if (Date.now() > end) throw new Error(`no handshake on ${t.serverIf} within ${ms} ms`);
    await t.sendTraffic(100);
    await new Promise((r) => setTimeout(r, 300));
  }
}
