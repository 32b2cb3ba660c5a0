// PromQL for WireGuard, written once: the alert rules (src/build/prometheus/rules.ts) and the
// dashboards (src/build/grafana) build their queries from these functions, so a fix lands in both.
//
// API (stable; the alert rules and the dashboard builders depend on it):
//   Every function takes `sel`, a label-matcher list WITHOUT braces, e.g. `job="wireguard"` or
//   `job="wireguard", host=~"$host"` ("" selects everything), and returns a PromQL string.
//   Windows (`window`, `range`) are PromQL durations or Grafana variables: "5m", "$__rate_interval".
//
//   handshakeAgeSeconds(sel)                per peer: seconds since the last handshake; peers that never
//                                           connected (timestamp 0) are left out instead of being ~56 years old
//   activePeers(sel, by?)                   connected peers (exporter's wireguard_peer_connected), summed by `by`
//   configuredPeers(sel, by?)               peers the exporter reports, counted by `by`
//   receiveRate / transmitRate(sel, window) per peer: bytes/s received from / sent to the peer
//   trafficTotal(sel, range, direction, by?) bytes moved in `range` ("rx" | "tx" | "both"), summed by `by`
//   peerDown(sel, staleSeconds)             per peer: handshake older than staleSeconds for peers that connected
//                                           at least once (value: handshake age, s), plus expected peers that never
//                                           connected (value: 0)
//   expectedNotConnected(sel)               per peer: expected peers the exporter does not count as connected
//   expectedOrZero(sel)                     per peer: 1 if expected, 0 for every other peer the exporter reports
//   noPeerSeries(sel)                       per target: exporter scraped fine but reports no peer at all
//   exporterDown(sel, absentSelectors?)     per target: up == 0, plus absent(up{…}) for `sel` and each extra selector
//   wireGuardReadFailing(sel)               per target: the exporter's `wg` call failed (wireguard_scrape_success 0)
//   overBandwidthLimit(sel, window, defaultLimit, limitSeries?)
//                                           per peer: bandwidth above the peer's own limit series (matched on
//                                           public_key) or, for peers without one, above defaultLimit
//
// wireguard_peer_expected exists only for expected peers (value 1; no series for the others), so
// "not expected" is written `unless on (PEER_IDENTITY) wireguard_peer_expected`, never `== 0`.
//
// Per-peer results keep all of the series' labels (interface, public_key, allowed_ips,
// friendly_name plus the target labels host, env, …); PEER_IDENTITY is what joins them.

/** Labels that identify one peer series across the exporter's metric families. */
const PEER_IDENTITY = ["job", "instance", "interface", "public_key"] as const;
/** Labels that identify one scrape target. */
const TARGET_IDENTITY = ["job", "instance"] as const;

const on = (labels: readonly string[]) => `on (${labels.join(", ")})`;
const by = (labels: readonly string[]) => (labels.length === 0 ? "" : ` by (${labels.join(", ")})`);

function series(metric: string, sel: string): string {
  return sel.trim() === "" ? metric : `${metric}{${sel}}`;
}

export function handshakeAgeSeconds(sel: string): string {
  return `time() - (${series("wireguard_latest_handshake_seconds", sel)} > 0)`;
}

export function activePeers(sel: string, groupBy: readonly string[] = []): string {
  return `sum${by(groupBy)} (${series("wireguard_peer_connected", sel)})`;
}

export function configuredPeers(sel: string, groupBy: readonly string[] = []): string {
  return `count${by(groupBy)} (${series("wireguard_latest_handshake_seconds", sel)})`;
}

export function receiveRate(sel: string, window: string): string {
  return `rate(${series("wireguard_received_bytes_total", sel)}[${window}])`;
}

export function transmitRate(sel: string, window: string): string {
  return `rate(${series("wireguard_sent_bytes_total", sel)}[${window}])`;
}

/** Both families carry the same labels, so `+` pairs them peer by peer. */
function peerBandwidth(sel: string, window: string): string {
  return `${receiveRate(sel, window)} + ${transmitRate(sel, window)}`;
}

export function trafficTotal(
  sel: string,
  range: string,
  direction: "rx" | "tx" | "both",
  groupBy: readonly string[] = [],
): string {
  const rx = `increase(${series("wireguard_received_bytes_total", sel)}[${range}])`;
  const tx = `increase(${series("wireguard_sent_bytes_total", sel)}[${range}])`;
  const inner = direction === "rx" ? rx : direction === "tx" ? tx : `${rx} + ${tx}`;
  return `sum${by(groupBy)} (${inner})`;
}

/**
 * A handshake timestamp of 0 means "never": such a peer is not down (it was never up) unless
 * the peers file says it is expected. Those come back with value 0 (not an age of ~56 years),
 * so an alert description can tell the two cases apart.
 */
export function peerDown(sel: string, staleSeconds: number): string {
  const hs = series("wireguard_latest_handshake_seconds", sel);
  const expected = series("wireguard_peer_expected", sel);
  return (
    `(time() - ${hs} > ${staleSeconds} and ${on(PEER_IDENTITY)} ${hs} ` +
    `> 0) or (${hs} == 0 and ${on(PEER_IDENTITY)} ${expected} == 1)`
  );
}

export function expectedNotConnected(sel: string): string {
  return (
    `${series("wireguard_peer_expected", sel)} == 1 ` +
    `unless ${on(PEER_IDENTITY)} ${series("wireguard_peer_connected", sel)} == 1`
  );
}

/** The exporter exports only the 1s; the 0s are the peers it reports (handshake series) that have none. */
export function expectedOrZero(sel: string): string {
  return `${series("wireguard_peer_expected", sel)} or 0 * ${series("wireguard_latest_handshake_seconds", sel)}`;
}

/** `count(x) == 0` never fires (count over nothing is nothing); compare targets with their peers instead. */
export function noPeerSeries(sel: string): string {
  return (
    `${series("wireguard_scrape_success", sel)} == 1 ` +
    `unless ${on(TARGET_IDENTITY)} ${series("wireguard_latest_handshake_seconds", sel)}`
  );
}

/**
 * `up == 0` says nothing when the target is gone from `up` altogether (targets file emptied,
 * job missing): `absent()` covers that, once for `sel` and once per extra selector (e.g. per host).
 */
export function exporterDown(sel: string, absentSelectors: readonly string[] = []): string {
  return [`${series("up", sel)} == 0`, ...[sel, ...absentSelectors].map((s) => `absent(${series("up", s)})`)].join(
    " or ",
  );
}

export function wireGuardReadFailing(sel: string): string {
  return `${series("wireguard_scrape_success", sel)} == 0`;
}

/** Per-peer limits are series `limitSeries{public_key="…"}` (recording rules); others get defaultLimit. */
export function overBandwidthLimit(
  sel: string,
  window: string,
  defaultLimit: number,
  limitSeries = "wireguard_peer:bandwidth_limit_bytes_per_second",
): string {
  const bw = `(${peerBandwidth(sel, window)})`;
  return (
    `(${bw} > on (public_key) group_left () ${limitSeries}) or ` +
    `(${bw} > ${defaultLimit} unless on (public_key) ${limitSeries})`
  );
}
