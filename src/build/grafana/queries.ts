// The dashboards' PromQL. Where a panel means what an alert means (active peers, rates, traffic,
// handshake age, expected-but-not-connected) it uses the shared src/build/promql functions; what is
// here is dashboard-only (display shapes, exporter health values, variables). Every function
// takes a label selector body (the part inside `{}`) so one expression serves the overview
// (multi-select) and the peer dashboard (one peer); every selector has job and instance matchers.
import * as shared from "../promql/expressions";

/** Matchers of one exporter target: the job and instance variables. */
export const targetSelector = `job=~"$job", instance=~"$instance"`;
/** Matchers of one or more interfaces of the selected targets. */
export const interfaceSelector = `${targetSelector}, interface=~"$interface"`;
/** Peers picked by the multi-select `peer` variable (overview). */
export const peersSelector = `${interfaceSelector}, public_key=~"$peer"`;
/** The one peer of the single-select `peer` variable (peer dashboard); keys are not regexes. */
export const onePeerSelector = `${interfaceSelector}, public_key="$peer"`;

/** The labels that identify a peer series, plus friendly_name for legends. */
const PEER_LABELS = ["instance", "interface", "public_key", "friendly_name"];
const RATE_WINDOW = "$__rate_interval";

/** A peer whose friendly name is unknown (Prometheus drops the empty label) gets a readable stand-in in legends. */
function namedPeers(expr: string): string {
  return `label_replace(${expr}, "friendly_name", "(unnamed)", "friendly_name", "")`;
}

// --- peers --------------------------------------------------------------------------------

export const activePeers = (sel: string) => shared.activePeers(sel);

export const peersPerInterface = (sel: string) => shared.configuredPeers(sel, ["instance", "interface"]);

/** Expected peers whose handshake is not recent; `or vector(0)` so a healthy fleet reads 0, not "no data". */
export const expectedPeersNotConnected = (sel: string) => `count(${shared.expectedNotConnected(sel)}) or vector(0)`;

export const peerConnected = (sel: string) =>
  namedPeers(`max by (${PEER_LABELS.join(", ")}) (wireguard_peer_connected{${sel}})`);

/** 1 or 0 for a peer the exporter reports (it exports the expected flag only for expected peers). */
export const peerExpected = (sel: string) => `max(${shared.expectedOrZero(sel)})`;

/**
 * Seconds since the latest handshake, for the table and the stat: unlike the shared
 * handshakeAgeSeconds it keeps peers that never shook hands (timestamp 0, shown as "never").
 */
export const handshakeAge = (sel: string) =>
  namedPeers(`time() - max by (${PEER_LABELS.join(", ")}, allowed_ips) (wireguard_latest_handshake_seconds{${sel}})`);

/** Over time: only peers that shook hands at least once (a graph would otherwise jump to 56 years). */
export const handshakeAgeSeen = (sel: string) => namedPeers(shared.handshakeAgeSeconds(sel));

// --- traffic (bytes per second; "received" = from the peer, "sent" = to the peer) ---------

export const receiveRateTotal = (sel: string) => `sum (${shared.receiveRate(sel, RATE_WINDOW)})`;
export const sendRateTotal = (sel: string) => `sum (${shared.transmitRate(sel, RATE_WINDOW)})`;

export const receiveRateByPeer = (sel: string) =>
  namedPeers(`sum by (${PEER_LABELS.join(", ")}) (${shared.receiveRate(sel, RATE_WINDOW)})`);
export const sendRateByPeer = (sel: string) =>
  namedPeers(`sum by (${PEER_LABELS.join(", ")}) (${shared.transmitRate(sel, RATE_WINDOW)})`);

/** Bytes each peer moved (both directions) over the dashboard's time range. */
export const trafficByPeerInRange = (sel: string) =>
  namedPeers(shared.trafficTotal(sel, "$__range", "both", PEER_LABELS));

/** Endpoint (client address) the peer was seen at, from the opt-in info metric. */
export const peerEndpoints = (sel: string) => `max by (endpoint) (wireguard_peer_endpoint_info{${sel}})`;

// --- the exporter itself ------------------------------------------------------------------

export const exporterUp = (sel: string) => `min by (instance) (up{${sel}})`;
export const scrapeSuccess = (sel: string) => `min by (instance) (wireguard_scrape_success{${sel}})`;
export const scrapeDuration = (sel: string) => `max by (instance) (wireguard_scrape_duration_seconds{${sel}})`;

/** Firing WireGuard alerts; `or vector(0)` so "none" reads 0. */
export const firingAlerts = (sel: string) =>
  `count(ALERTS{alertstate="firing", alertname=~"WireGuard.*", ${sel}}) or vector(0)`;

/** The firing WireGuard alerts themselves, one row per alert and peer. */
export const firingAlertList = (sel: string) =>
  `max by (alertname, severity, instance, interface, friendly_name) ` +
  `(ALERTS{alertstate="firing", alertname=~"WireGuard.*", ${sel}})`;

// --- variables ----------------------------------------------------------------------------

export const variableQueries = {
  job: `label_values(wireguard_exporter_build_info, job)`,
  instance: `label_values(wireguard_exporter_build_info{job=~"$job"}, instance)`,
  interface: `label_values(wireguard_interface_info{${targetSelector}}, interface)`,
  /**
   * One line per peer: text = friendly name, value = public key (see PEER_VARIABLE_REGEX). Prometheus
   * drops empty labels, so a peer without a name gets the start of its key as its name.
   */
  peer:
    `query_result(max by (friendly_name, public_key) ` +
    `(wireguard_latest_handshake_seconds{${interfaceSelector}, friendly_name!=""})` +
    ` or label_replace(max by (public_key) (wireguard_latest_handshake_seconds{${interfaceSelector}, ` +
    `friendly_name=""}), "friendly_name", "$1…", "public_key", "(.{8}).*"))`,
};

/** Picks `friendly_name` as the shown text and `public_key` as the value from a query_result line. */
export const PEER_VARIABLE_REGEX = `/friendly_name="(?<text>[^"]*)".*public_key="(?<value>[^"]+)"/`;
