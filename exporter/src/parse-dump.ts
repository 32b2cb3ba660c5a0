// Parses `wg show all dump` / `wg show <iface> dump` text into typed interfaces and peers.
// Pure. The interface private key and peer preshared keys are read past, never kept.

export interface WgInterface {
  name: string;
  publicKey: string;
  listenPort: number;
  fwmark: string; // "off" or a number as wg prints it
}

export interface WgPeer {
  interface: string;
  publicKey: string;
  hasPresharedKey: boolean;
  endpoint: string | null; // "1.2.3.4:51820" or "[2001:db8::1]:51820"; null for (none)
  allowedIps: string; // comma-separated as wg prints it; "" for (none)
  latestHandshake: number; // UNIX seconds, 0 = never
  rxBytes: number;
  txBytes: number;
  persistentKeepalive: number | null; // seconds, null for off
}

export interface Dump {
  interfaces: WgInterface[];
  peers: WgPeer[];
}

export type DumpResult = { ok: true; dump: Dump } | { ok: false; error: string };

const KEY = /^[A-Za-z0-9+/]{43}=$/;
const UINT = /^\d+$/;

/**
 * @param interfaceName null for `wg show all dump` output (first column is the interface),
 *   or the interface name for `wg show <iface> dump` output (no interface column).
 */
export function parseDump(text: string, interfaceName: string | null): DumpResult {
  const interfaces: WgInterface[] = [];
  const peers: WgPeer[] = [];
  const off = interfaceName === null ? 1 : 0; // column offset
  const lines = text.split("\n");
  let current: string | null = interfaceName;
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!;
    if (line === "") continue;
    const f = line.split("\t");
    const bad = (why: string): DumpResult => ({ ok: false, error: `wg dump line ${n + 1}: ${why}` });
    const name = off === 1 ? f[0]! : interfaceName!;
    if (f.length === 4 + off) {
      // interface: [name] private-key public-key listen-port fwmark
      if (!KEY.test(f[off + 1]!)) return bad("interface public key is not a WireGuard key");
      if (!UINT.test(f[off + 2]!)) return bad("listen port is not a number");
      interfaces.push({ name, publicKey: f[off + 1]!, listenPort: Number(f[off + 2]), fwmark: f[off + 3]! });
      current = name;
    } else if (f.length === 8 + off) {
      // peer: [name] public-key preshared-key endpoint allowed-ips handshake rx tx keepalive
      if (current === null || name !== current) return bad("peer line before its interface line");
      const publicKey = f[off]!;
      if (!KEY.test(publicKey)) return bad("peer public key is not a WireGuard key");
      const hs = f[off + 4]!, rx = f[off + 5]!, tx = f[off + 6]!, ka = f[off + 7]!;
      if (!UINT.test(hs) || !UINT.test(rx) || !UINT.test(tx)) return bad("handshake/transfer fields are not numbers");
      if (ka !== "off" && !UINT.test(ka)) return bad("persistent keepalive is neither a number nor off");
      const endpoint = f[off + 2]!;
      const allowed = f[off + 3]!;
      peers.push({
        interface: name,
        publicKey,
        hasPresharedKey: f[off + 1] !== "(none)",
        endpoint: endpoint === "(none)" ? null : endpoint,
        allowedIps: allowed === "(none)" ? "" : allowed,
        latestHandshake: Number(hs),
        rxBytes: Number(rx),
        txBytes: Number(tx),
        persistentKeepalive: ka === "off" ? null : Number(ka),
      });
    } else {
      return bad(`expected ${4 + off} or ${8 + off} tab-separated fields, got ${f.length}`);
    }
  }
  return { ok: true, dump: { interfaces, peers } };
}
