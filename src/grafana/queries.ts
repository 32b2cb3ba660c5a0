// The dashboards' PromQL, written once. Every function takes a label selector body (the part
// inside `{}`) so the same expression serves the overview (multi-select, regex matchers) and the
// peer dashboard (one peer). Every selector carries job and instance matchers (dashboard-linter).

/** Matchers of one exporter target: the job and instance variables. */
export const targetSelector = `job=~"$job", instance=~"$instance"`;
/** Matchers of one or more interfaces of the selected targets. */
export const interfaceSelector = `${targetSelector}, interface=~"$interface"`;
/** Peers picked by the multi-select `peer` variable (overview). */
export const peersSelector = `${interfaceSelector}, public_key=~"$peer"`;
/** The one peer of the single-select `peer` variable (peer dashboard); keys are not regexes. */
export const onePeerSelector = `${interfaceSelector}, public_key="$peer"`;

/** The labels that identify a peer series; friendly_name and allowed_ips ride along for legends. */
const PEER_LABELS = "instance, interface, public_key, friendly_name";

/** A peer whose friendly name is unknown gets a readable stand-in instead of an empty legend. */
function namedPeers(expr: string): string {
  return `label_replace(${expr}, "friendly_name", "(unnamed)", "friendly_name", "")`;
}

// --- peers --------------------------------------------------------------------------------

export const activePeers = (sel: string) => `sum(wireguard_peer_connected{${sel}})`;

export const peersPerInterface = (sel: string) => `sum by (instance, interface) (wireguard_peers{${sel}})`;

/** Expected peers whose handshake is not recent; `or vector(0)` so a healthy fleet reads 0, not "no data". */
export const expectedPeersNotConnected = (sel: string) =>
  `count((wireguard_peer_expected{${sel}} == 1) unless on (job, instance, interface, public_key) (wireguard_peer_connected{${sel}} == 1)) or vector(0)`;

export const peerConnected = (sel: string) => namedPeers(`max by (${PEER_LABELS}) (wireguard_peer_connected{${sel}})`);

export const peerExpected = (sel: string) => `max(wireguard_peer_expected{${sel}})`;

/** Seconds since the latest handshake; a peer that never shook hands (timestamp 0) shows as ~now-1970. */
export const handshakeAge = (sel: string) =>
  namedPeers(`time() - max by (${PEER_LABELS}, allowed_ips) (wireguard_latest_handshake_seconds{${sel}})`);

/** Same, but only for peers that have shaken hands at least once (graphs would otherwise jump to 56 years). */
export const handshakeAgeSeen = (sel: string) =>
  namedPeers(`time() - max by (${PEER_LABELS}) (wireguard_latest_handshake_seconds{${sel}} > 0)`);

// --- traffic (bytes per second; "received" = from the peer, "sent" = to the peer) ---------

export const receiveRateTotal = (sel: string) => `sum(rate(wireguard_received_bytes_total{${sel}}[$__rate_interval]))`;
export const sendRateTotal = (sel: string) => `sum(rate(wireguard_sent_bytes_total{${sel}}[$__rate_interval]))`;

export const receiveRateByPeer = (sel: string) =>
  namedPeers(`sum by (${PEER_LABELS}) (rate(wireguard_received_bytes_total{${sel}}[$__rate_interval]))`);
export const sendRateByPeer = (sel: string) =>
  namedPeers(`sum by (${PEER_LABELS}) (rate(wireguard_sent_bytes_total{${sel}}[$__rate_interval]))`);

/** Bytes each peer moved (both directions) over the dashboard's time range. */
export const trafficByPeerInRange = (sel: string) =>
  namedPeers(
    `sum by (${PEER_LABELS}) (increase(wireguard_received_bytes_total{${sel}}[$__range]) + increase(wireguard_sent_bytes_total{${sel}}[$__range]))`,
  );

/** Endpoint (client address) the peer was seen at, from the opt-in info metric. */
export const peerEndpoints = (sel: string) => `max by (endpoint) (wireguard_peer_endpoint_info{${sel}})`;

// --- the exporter itself ------------------------------------------------------------------

export const exporterUp = (sel: string) => `min by (instance) (up{${sel}})`;
export const scrapeSuccess = (sel: string) => `min by (instance) (wireguard_scrape_success{${sel}})`;
export const scrapeDuration = (sel: string) => `max by (instance) (wireguard_scrape_duration_seconds{${sel}})`;

/** Firing WireGuard alerts; `or vector(0)` so "none" reads 0. */
export const firingAlerts = (sel: string) =>
  `count(ALERTS{alertstate="firing", alertname=~"WireGuard.*", ${sel}}) or vector(0)`;

// --- variables ----------------------------------------------------------------------------

export const variableQueries = {
  job: `label_values(wireguard_exporter_build_info, job)`,
  instance: `label_values(wireguard_exporter_build_info{job=~"$job"}, instance)`,
  interface: `label_values(wireguard_interface_info{${targetSelector}}, interface)`,
  /** One line per peer: text = friendly name, value = public key (see PEER_VARIABLE_REGEX). */
  peer: `query_result(max by (friendly_name, public_key) (wireguard_latest_handshake_seconds{${interfaceSelector}}))`,
};

/** Picks `friendly_name` as the shown text and `public_key` as the value from a query_result line. */
export const PEER_VARIABLE_REGEX = `/friendly_name="(?<text>[^"]*)".*public_key="(?<value>[^"]+)"/`;
