// Alert and recording rules for WireGuard, from one settings object (mixin style): the committed
// generic file uses DEFAULT_RULE_SETTINGS, a stack's out/<stack>/prometheus/rules/ uses
// ruleSettingsFor(inventory). The PromQL itself lives in src/build/promql/ and is shared with dashboards.
import { durationSeconds, peersOnHost, type Inventory, type PrometheusServer } from "../../model/index";
import * as q from "../promql/expressions";
import { generatedYaml } from "./yaml";

export const ALERT_NAMES = [
  "WireGuardExporterDown",
  "WireGuardScrapeFailing",
  "WireGuardNoPeers",
  "WireGuardPeerDown",
  "WireGuardExpectedPeerDown",
  "WireGuardHighBandwidth",
] as const;
export type AlertName = (typeof ALERT_NAMES)[number];

/** The per-peer bandwidth limits' recorded series, joined by WireGuardHighBandwidth. */
const BANDWIDTH_LIMIT_SERIES = "wireguard_peer:bandwidth_limit_bytes_per_second";

/** Where each alert's runbook_url points (the alerts table in alerts/README.md, by anchor). */
const RUNBOOK_BASE_URL = "alerts/README.md";

interface PeerBandwidthLimit {
  publicKey: string;
  friendlyName: string;
  bytesPerSecond: number;
}

export interface RuleSettings {
  /** `job` label of the WireGuard scrape job; every expression selects `job="<jobName>"`. */
  jobName: string;
  /** WireGuardPeerDown: handshake older than this (seconds). */
  staleHandshakeSeconds: number;
  /** WireGuardHighBandwidth: default per-peer limit, received + sent bytes per second. */
  highBandwidthBytesPerSecond: number;
  /** Rate window of the bandwidth alert. */
  bandwidthWindow: string;
  /** Peers with their own limit; rendered as one recording series each (see rules below). */
  peerBandwidthLimits: readonly PeerBandwidthLimit[];
  /** Hosts that must be present in `up`; each gets an absent(up{job, host}) term. */
  expectedHosts: readonly string[];
  /** `for:` of each alert (alerts/README.md explains the choices). */
  for: Readonly<Record<AlertName, string>>;
}

export const DEFAULT_FOR: Readonly<Record<AlertName, string>> = {
  WireGuardExporterDown: "2m",
  WireGuardScrapeFailing: "5m",
  WireGuardNoPeers: "5m",
  WireGuardPeerDown: "2m",
  WireGuardExpectedPeerDown: "2m",
  WireGuardHighBandwidth: "10m",
};

export const DEFAULT_RULE_SETTINGS: RuleSettings = {
  jobName: "wireguard",
  staleHandshakeSeconds: 300,
  highBandwidthBytesPerSecond: 100_000_000,
  bandwidthWindow: "5m",
  peerBandwidthLimits: [],
  expectedHosts: [],
  for: DEFAULT_FOR,
};

/** The stack's thresholds, job name, per-peer limits and hosts; `for:` stays at the defaults. */
export function ruleSettingsFor(inventory: Inventory, overrides: Partial<RuleSettings> = {}): RuleSettings {
  return {
    ...DEFAULT_RULE_SETTINGS,
    jobName: inventory.prometheus.jobName,
    staleHandshakeSeconds: durationSeconds(inventory.thresholds.staleHandshake),
    highBandwidthBytesPerSecond: inventory.thresholds.highBandwidthBytesPerSecond,
    peerBandwidthLimits: inventory.peers
      .filter((p) => p.bandwidthLimitBytesPerSecond !== undefined)
      .map((p) => ({
        publicKey: p.publicKey,
        friendlyName: p.friendlyName,
        bytesPerSecond: p.bandwidthLimitBytesPerSecond!,
      })),
    expectedHosts: inventory.hosts.map((h) => h.name),
    ...overrides,
  };
}

/**
 * One server's rules: the stack's settings, with absent() terms and per-peer bandwidth limits for only the
 * hosts that server scrapes (a limit series has no host label: two servers recording it would write the same
 * series to a shared remote-write store).
 */
export function serverRuleSettings(inventory: Inventory, server: PrometheusServer): RuleSettings {
  const stack = ruleSettingsFor(inventory, { expectedHosts: server.hosts.map((h) => h.name) });
  const served = new Set(server.hosts.flatMap((h) => peersOnHost(inventory, h).map((p) => p.publicKey)));
  return { ...stack, peerBandwidthLimits: stack.peerBandwidthLimits.filter((l) => served.has(l.publicKey)) };
}

// Annotation templates. A peer is named by its friendly name, or its public key when the
// peers file does not know it (friendly_name is then empty).
const PEER = "{{ if $labels.friendly_name }}{{ $labels.friendly_name }}{{ else }}{{ $labels.public_key }}{{ end }}";
const WHERE = "interface {{ $labels.interface }} on host {{ $labels.host }}";

interface AlertRule {
  alert: AlertName;
  expr: string;
  for: string;
  labels: { severity: "critical" | "warning" | "info" };
  annotations: { summary: string; description: string; runbook_url: string };
}
interface RecordingRule {
  record: string;
  expr: string;
  labels?: Record<string, string>;
}

/** Seconds as Prometheus prints durations ("5m", "90s"), for descriptions. */
function humanSeconds(s: number): string {
  if (s % 3600 === 0) return `${s / 3600}h`;
  if (s % 60 === 0) return `${s / 60}m`;
  return `${s}s`;
}

function alertRules(s: RuleSettings): AlertRule[] {
  const sel = `job="${s.jobName}"`;
  const rule = (
    alert: AlertName,
    severity: AlertRule["labels"]["severity"],
    expr: string,
    summary: string,
    description: string,
  ): AlertRule => ({
    alert,
    expr,
    for: s.for[alert],
    labels: { severity },
    annotations: { summary, description, runbook_url: `${RUNBOOK_BASE_URL}#${alert.toLowerCase()}` },
  });
  return [
    rule(
      "WireGuardExporterDown",
      "critical",
      q.exporterDown(
        sel,
        s.expectedHosts.map((h) => `job="${s.jobName}", host="${h}"`),
      ),
      "WireGuard exporter is down or missing",
      `{{ if $labels.instance }}Prometheus cannot scrape the WireGuard exporter ` +
        `{{ $labels.instance }} on host {{ $labels.host }}.{{ else }}No target of ` +
        `job ${s.jobName}{{ if $labels.host }} for host {{ $labels.host }}{{ end }} is ` +
        `in up: the targets file or scrape config lost it.{{ end }} Nothing about its peers is known.`,
    ),
    rule(
      "WireGuardScrapeFailing",
      "warning",
      q.wireGuardReadFailing(sel),
      "WireGuard exporter cannot read WireGuard",
      "The exporter on host {{ $labels.host }} answers, but its `wg` call fails: peer metrics are missing or stale.",
    ),
    rule(
      "WireGuardNoPeers",
      "critical",
      q.noPeerSeries(sel),
      "WireGuard host reports no peers",
      "The exporter on host {{ $labels.host }} reads WireGuard fine but reports no " +
        "peer at all: the interfaces are down, missing or lost their configuration.",
    ),
    rule(
      "WireGuardPeerDown",
      "warning",
      q.peerDown(sel, s.staleHandshakeSeconds),
      "WireGuard peer has no recent handshake",
      `Peer ${PEER} on ${WHERE} {{ if eq $value 0.0 }}is expected but has never ` +
        `completed a handshake{{ else }}last completed a handshake {{ $value | humanizeDuration }} ` +
        `ago{{ end }} (threshold ${humanSeconds(s.staleHandshakeSeconds)}).`,
    ),
    rule(
      "WireGuardExpectedPeerDown",
      "critical",
      q.expectedNotConnected(sel),
      "Expected WireGuard peer is not connected",
      `Peer ${PEER} on ${WHERE} is marked expected in the peers file but has no ` +
        `current session (no handshake within the exporter's connected threshold).`,
    ),
    rule(
      "WireGuardHighBandwidth",
      "warning",
      q.overBandwidthLimit(sel, s.bandwidthWindow, s.highBandwidthBytesPerSecond, BANDWIDTH_LIMIT_SERIES),
      "WireGuard peer uses a lot of bandwidth",
      `Peer ${PEER} on ${WHERE} moves {{ $value | humanize }}B/s ` +
        `(received + sent, ${s.bandwidthWindow} average), above its limit.`,
    ),
  ];
}

/**
 * Per-peer bandwidth limits as constant series, one per limited peer, matched by public_key in
 * WireGuardHighBandwidth. One alert rule for all peers (instead of one rule per peer) keeps the
 * rule file the same shape for every stack; peers without a series fall back to the default.
 */
function bandwidthLimitRules(s: RuleSettings): RecordingRule[] {
  return [...s.peerBandwidthLimits]
    .sort((a, b) => (a.publicKey < b.publicKey ? -1 : a.publicKey > b.publicKey ? 1 : 0))
    .map((p) => ({
      record: BANDWIDTH_LIMIT_SERIES,
      expr: `vector(${p.bytesPerSecond})`,
      labels: { public_key: p.publicKey, friendly_name: p.friendlyName },
    }));
}

export function ruleGroups(s: RuleSettings): { groups: { name: string; rules: (AlertRule | RecordingRule)[] }[] } {
  const limits = bandwidthLimitRules(s);
  return {
    groups: [
      { name: "wireguard.alerts", rules: alertRules(s) },
      ...(limits.length > 0 ? [{ name: "wireguard.bandwidth-limits", rules: limits }] : []),
    ],
  };
}

export function renderRules(s: RuleSettings, source = "src/build/prometheus/rules.ts"): string {
  const settings =
    `job ${s.jobName}, stale handshake ${humanSeconds(s.staleHandshakeSeconds)}, ` +
    `default bandwidth limit ${s.highBandwidthBytesPerSecond} B/s`;
  return generatedYaml(source, ruleGroups(s), [
    `${settings}; alerts and for: durations are explained in alerts/README.md`,
  ]);
}
