// JSON bodies of /health and /peers, for health checks and scripts that read JSON rather than metrics. Pure.
import type { Collection, CollectionSummary } from "./collector";
import type { PeersFileStatus } from "./peers-file";

export interface HealthBody {
  status: "healthy" | "unhealthy";
  last_scrape: {
    timestamp: number;
    duration_seconds: number;
    success: boolean;
    interfaces: number;
    peers: number;
  } | null;
  error?: string;
  peers_file:
    | (Omit<PeersFileStatus, "lastReloadOk" | "lastReloadAt" | "peerCount"> & {
        last_reload_success: boolean;
        last_reload_timestamp: number | null;
        peer_count: number;
      })
    | null;
}

export function healthBody(
  c: CollectionSummary | null,
  pf: PeersFileStatus | null,
): { code: 200 | 503; body: HealthBody } {
  const healthy = c !== null && c.ok;
  const body: HealthBody = {
    status: healthy ? "healthy" : "unhealthy",
    last_scrape: c && {
      timestamp: c.at,
      duration_seconds: c.durationSeconds,
      success: c.ok,
      interfaces: c.interfaces.length,
      peers: c.peerCount,
    },
    ...(c === null ? { error: "no collection yet" } : c.ok ? {} : { error: c.error }),
    peers_file: pf && {
      path: pf.path,
      loaded: pf.loaded,
      last_reload_success: pf.lastReloadOk,
      last_reload_timestamp: pf.lastReloadAt,
      peer_count: pf.peerCount,
      errors: pf.errors,
    },
  };
  return { code: healthy ? 200 : 503, body };
}

export function peersBody(c: Collection, exportEndpoints: boolean): unknown {
  return {
    success: c.ok,
    ...(c.ok ? {} : { error: c.error }),
    peer_count: c.peerCount,
    peers: c.tables.flatMap((t) =>
      Array.from({ length: t.count }, (_, i) => {
        const p = t.peer(i);
        const m = t.meta[i];
        return {
          interface: p.interface,
          public_key: p.publicKey,
          friendly_name: m?.friendlyName ?? "",
          owner: m?.owner ?? "",
          expected: m?.expected ?? false,
          allowed_ips: p.allowedIps === "" ? [] : p.allowedIps.split(","),
          latest_handshake: p.latestHandshake === 0 ? null : p.latestHandshake,
          connected: t.connected[i] === 1,
          rx_bytes: p.rxBytes,
          tx_bytes: p.txBytes,
          ...(exportEndpoints ? { endpoint: p.endpoint } : {}),
        };
      }),
    ),
  };
}
