// Per-peer series in the Prometheus text format, hand-serialized: at 10k+ peers a generic
// registry's serializer costs more than `wg show dump` itself. Yields chunks so a huge
// scrape never sits in memory as one string.
import type { PeerView } from "./peer-view.js";

const CHUNK_CHARS = 1 << 16;

export function escapeLabelValue(v: string): string {
  return /[\\"\n]/.test(v) ? v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n") : v;
}

interface Family {
  name: string;
  type: "counter" | "gauge";
  help: string;
  value: (p: PeerView) => number;
}

export const PEER_FAMILIES: readonly Family[] = [
  { name: "wireguard_sent_bytes_total", type: "counter", help: "Bytes sent to the peer.", value: (p) => p.txBytes },
  { name: "wireguard_received_bytes_total", type: "counter", help: "Bytes received from the peer.", value: (p) => p.rxBytes },
  {
    name: "wireguard_latest_handshake_seconds",
    type: "gauge",
    help: "UNIX timestamp in seconds of the latest handshake with the peer, 0 if never.",
    value: (p) => p.latestHandshake,
  },
  {
    name: "wireguard_peer_connected",
    type: "gauge",
    help: "1 if the latest handshake is at most the connected threshold (seconds) old, else 0.",
    value: (p) => (p.connected ? 1 : 0),
  },
  {
    name: "wireguard_peer_expected",
    type: "gauge",
    help: "1 if the peers file marks the peer as expected to be connected, else 0.",
    value: (p) => (p.expected ? 1 : 0),
  },
];

export interface ExpositionOptions {
  exportEndpoints: boolean;
}

/** Chunks of exposition text for every per-peer family. */
export function* renderPeerSeries(peers: readonly PeerView[], opts: ExpositionOptions): Generator<string> {
  // The label set is the same for all five families: build it once per peer.
  const labels = new Array<string>(peers.length);
  for (let i = 0; i < peers.length; i++) {
    const p = peers[i]!;
    labels[i] =
      '{interface="' + escapeLabelValue(p.interface) +
      '",public_key="' + p.publicKey +
      '",allowed_ips="' + escapeLabelValue(p.allowedIps) +
      '",friendly_name="' + escapeLabelValue(p.friendlyName) + '"} ';
  }
  let buf = "";
  for (const f of PEER_FAMILIES) {
    buf += `# HELP ${f.name} ${f.help}\n# TYPE ${f.name} ${f.type}\n`;
    const name = f.name;
    const value = f.value;
    for (let i = 0; i < peers.length; i++) {
      buf += name + labels[i] + value(peers[i]!) + "\n";
      if (buf.length > CHUNK_CHARS) {
        yield buf;
        buf = "";
      }
    }
  }
  buf += "# HELP wireguard_peer_info Metadata from the peers file (owner), one series per listed peer; always 1.\n# TYPE wireguard_peer_info gauge\n";
  for (const p of peers) {
    if (!p.known) continue;
    buf +=
      'wireguard_peer_info{interface="' + escapeLabelValue(p.interface) + '",public_key="' + p.publicKey +
      '",friendly_name="' + escapeLabelValue(p.friendlyName) + '",owner="' + escapeLabelValue(p.owner) + '"} 1\n';
    if (buf.length > CHUNK_CHARS) {
      yield buf;
      buf = "";
    }
  }
  if (opts.exportEndpoints) {
    buf += "# HELP wireguard_peer_endpoint_info Current endpoint (IP:port) of the peer; always 1. Opt-in, personal data.\n# TYPE wireguard_peer_endpoint_info gauge\n";
    for (const p of peers) {
      if (p.endpoint === null) continue;
      buf += 'wireguard_peer_endpoint_info{interface="' + escapeLabelValue(p.interface) + '",public_key="' + p.publicKey + '",endpoint="' + escapeLabelValue(p.endpoint) + '"} 1\n';
      if (buf.length > CHUNK_CHARS) {
        yield buf;
        buf = "";
      }
    }
  }
  if (buf) yield buf;
}
