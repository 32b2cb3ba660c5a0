// Rule semantics that need more than the committed file: a stack's own thresholds (per-peer
// bandwidth limits, one absent() per host), and the hand-written rules commonly published for this
// exporter measured the same way.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dump } from "js-yaml";
import { afterAll, describe, expect, it } from "vitest";
import { loadStackFile } from "../../src/model/index";
import { renderRules, ruleSettingsFor } from "../../src/build/prometheus/rules";
import { expectedOrZero } from "../../src/build/promql/expressions";
import { promtool } from "../harness/prometheus";
import { REPO_ROOT } from "./stacks";

const tmp = mkdtempSync(join(tmpdir(), "wgm-rules-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Runs promtool test rules on `tests` against the rule text; returns promtool's output. */
function promtoolTest(name: string, rules: string, tests: unknown[]): { code: number; output: string } {
  writeFileSync(join(tmp, `${name}.rules.yml`), rules);
  writeFileSync(
    join(tmp, `${name}.test.yml`),
    dump({ rule_files: [`${name}.rules.yml`], evaluation_interval: "1m", tests }, { lineWidth: -1 }),
  );
  const r = promtool(["test", "rules", `${name}.test.yml`], tmp);
  return { code: r.code, output: r.stdout + r.stderr };
}

const peer = (host: string, iface: string, publicKey: string, name: string) =>
  `{job="wireguard",instance="${host}",host="${host}",env="example",interface="${iface}",` +
  `public_key="${publicKey}",allowed_ips="10.0.0.1/32",friendly_name="${name}"}`;
const labels = (host: string, iface: string, publicKey: string, name: string) => ({
  job: "wireguard",
  instance: host,
  host,
  env: "example",
  interface: iface,
  public_key: publicKey,
  allowed_ips: "10.0.0.1/32",
  friendly_name: name,
});
/** Both counters of a peer (the exporter always has both): received grows at `bytesPerSecond`, sent stays 0. */
const traffic = (sel: string, bytesPerSecond: number) => [
  { series: `wireguard_received_bytes_total${sel}`, values: `0+${bytesPerSecond * 60}x20` },
  { series: `wireguard_sent_bytes_total${sel}`, values: "0x20" },
];

describe("the example stack's rules", () => {
  const loaded = loadStackFile(REPO_ROOT, "example");
  if (!loaded.ok) throw new Error("Pulumi.example.yaml does not validate");
  const rules = renderRules(ruleSettingsFor(loaded.inventory));
  const BOB = "oOq43byKsSojz47t6h8RpOPUC/BTqGr9F6INZJcvCCU="; // limit 5 MB/s
  const BACKUP = "smsRABZNeWag7Ox1lE8vmNXjHp0zMmIdReTAr1lkMDo="; // limit 250 MB/s
  const ALICE = "XKiqzxysok0yJLo7RcTi80u07KFgN2KQPUMV4+R2zT4="; // default 100 MB/s
  const CI = "iJEYLmtiQoXVebmB8CxmrV/wOn3Hfodey7+f9rInpjM="; // default 100 MB/s

  it("apply each peer's own bandwidth limit and the stack default to the others", () => {
    const r = promtoolTest("limits", rules, [
      {
        name: "per-peer limits",
        interval: "1m",
        input_series: [
          ...traffic(peer("vpn-fra-1", "wg0", BOB, "bob-phone"), 10_000_000), // over its 5 MB/s
          ...traffic(peer("vpn-fra-1", "wg0", ALICE, "alice-laptop"), 10_000_000), // under the default
          ...traffic(peer("vpn-ams-1", "wg1", BACKUP, "backup-sync"), 200_000_000), // over the default, under its own
          ...traffic(peer("vpn-ams-1", "wg0", CI, "ci-runner"), 200_000_000), // over the default
        ],
        alert_rule_test: [
          {
            eval_time: "15m",
            alertname: "WireGuardHighBandwidth",
            exp_alerts: [
              {
                exp_labels: { severity: "warning", ...labels("vpn-fra-1", "wg0", BOB, "bob-phone") },
                exp_annotations: {
                  summary: "WireGuard peer uses a lot of bandwidth",
                  description:
                    "Peer bob-phone on interface wg0 on host vpn-fra-1 moves " +
                    "10MB/s (received + sent, 5m average), above its limit.",
                  runbook_url: "alerts/README.md#wireguardhighbandwidth",
                },
              },
              {
                exp_labels: { severity: "warning", ...labels("vpn-ams-1", "wg0", CI, "ci-runner") },
                exp_annotations: {
                  summary: "WireGuard peer uses a lot of bandwidth",
                  description:
                    "Peer ci-runner on interface wg0 on host vpn-ams-1 moves " +
                    "200MB/s (received + sent, 5m average), above its limit.",
                  runbook_url: "alerts/README.md#wireguardhighbandwidth",
                },
              },
            ],
          },
        ],
      },
    ]);
    expect(r.output).toContain("SUCCESS");
    expect(r.code).toBe(0);
  });

  it("fire WireGuardExporterDown for a stack host missing from up while the others are scraped", () => {
    const r = promtoolTest("absent-host", rules, [
      {
        name: "vpn-ams-1 has no target",
        interval: "1m",
        input_series: [
          {
            series: 'up{job="wireguard",instance="vpn-fra-1",host="vpn-fra-1",env="example",site="fra"}',
            values: "1x5",
          },
        ],
        alert_rule_test: [
          {
            eval_time: "3m",
            alertname: "WireGuardExporterDown",
            exp_alerts: [
              {
                exp_labels: { severity: "critical", job: "wireguard", host: "vpn-ams-1" },
                exp_annotations: {
                  summary: "WireGuard exporter is down or missing",
                  description:
                    "No target of job wireguard for host vpn-ams-1 is in up: the targets " +
                    "file or scrape config lost it. Nothing about its peers is known.",
                  runbook_url: "alerts/README.md#wireguardexporterdown",
                },
              },
            ],
          },
        ],
      },
    ]);
    expect(r.output).toContain("SUCCESS");
    expect(r.code).toBe(0);
  });
});

describe("wireguard_peer_expected only for expected peers: the replacements the READMEs give", () => {
  const ALICE = "XKiqzxysok0yJLo7RcTi80u07KFgN2KQPUMV4+R2zT4="; // expected, never connected
  const BOB = "oOq43byKsSojz47t6h8RpOPUC/BTqGr9F6INZJcvCCU="; // not expected (no series), never connected
  const CAROL = "iJEYLmtiQoXVebmB8CxmrV/wOn3Hfodey7+f9rInpjM="; // not expected, connected
  const on = "on (job, instance, interface, public_key)";
  // What the exporter sends now: a handshake series for every peer, the expected flag for ALICE only.
  const input_series = [
    { series: `wireguard_latest_handshake_seconds${peer("vpn-fra-1", "wg0", ALICE, "alice")}`, values: "0x5" },
    { series: `wireguard_latest_handshake_seconds${peer("vpn-fra-1", "wg0", BOB, "bob")}`, values: "0x5" },
    { series: `wireguard_latest_handshake_seconds${peer("vpn-fra-1", "wg0", CAROL, "carol")}`, values: "60x5" },
    { series: `wireguard_peer_expected${peer("vpn-fra-1", "wg0", ALICE, "alice")}`, values: "1x5" },
  ];
  const sample = (value: number, publicKey: string, name: string, metric = "") => ({
    labels: `${metric}{${Object.entries(labels("vpn-fra-1", "wg0", publicKey, name))
      .map(([k, v]) => `${k}="${v}"`)
      .join(",")}}`,
    value,
  });

  it("`unless on (…) wireguard_peer_expected` finds unexpected peers; expectedOrZero gives each peer 0 or 1", () => {
    const r = promtoolTest("not-expected", "groups: []\n", [
      {
        name: "not expected, never connected",
        interval: "1m",
        input_series,
        promql_expr_test: [
          {
            expr: `wireguard_latest_handshake_seconds == 0 unless ${on} wireguard_peer_expected`,
            eval_time: "2m",
            exp_samples: [sample(0, BOB, "bob", "wireguard_latest_handshake_seconds")],
          },
          {
            expr: `0 * wireguard_latest_handshake_seconds unless ${on} wireguard_peer_expected`,
            eval_time: "2m",
            exp_samples: [sample(0, BOB, "bob"), sample(0, CAROL, "carol")],
          },
          {
            expr: expectedOrZero(""),
            eval_time: "2m",
            exp_samples: [
              sample(1, ALICE, "alice", "wireguard_peer_expected"),
              sample(0, BOB, "bob"),
              sample(0, CAROL, "carol"),
            ],
          },
          { expr: `wireguard_peer_expected == 0`, eval_time: "2m", exp_samples: [] }, // what an old query now finds
        ],
      },
    ]);
    expect(r.output).toContain("SUCCESS");
    expect(r.code).toBe(0);
  });
});

describe("hand-written rules commonly published for this exporter, measured with promtool (why ours differ)", () => {
  // The usual hand-written set, annotations trimmed to what is tested.
  const handWritten = `groups:
  - name: wireguard
    rules:
      - alert: WireGuardPeerDown
        expr: (time() - wireguard_latest_handshake_seconds) > 300
        for: 5m
      - alert: WireGuardNoPeers
        expr: count(wireguard_latest_handshake_seconds) == 0
        for: 5m
      - alert: WireGuardExporterDown
        expr: up{job="wireguard"} == 0
        for: 2m
`;
  it("fire PeerDown for a peer that never connected, never NoPeers or ExporterDown when the series are absent", () => {
    const neverConnected = peer("vpn-fra-1", "wg0", "oOq43byKsSojz47t6h8RpOPUC/BTqGr9F6INZJcvCCU=", "bob-phone");
    const r = promtoolTest("hand-written", handWritten, [
      {
        name: "never-connected peer",
        interval: "1m",
        input_series: [{ series: `wireguard_latest_handshake_seconds${neverConnected}`, values: "0x15" }],
        alert_rule_test: [
          {
            eval_time: "15m",
            alertname: "WireGuardPeerDown",
            exp_alerts: [
              { exp_labels: labels("vpn-fra-1", "wg0", "oOq43byKsSojz47t6h8RpOPUC/BTqGr9F6INZJcvCCU=", "bob-phone") },
            ],
          },
        ],
      },
      {
        name: "no peer series and no exporter target at all",
        interval: "1m",
        input_series: [{ series: 'up{job="prometheus",instance="localhost:9090"}', values: "1x15" }],
        alert_rule_test: [
          { eval_time: "15m", alertname: "WireGuardNoPeers", exp_alerts: [] },
          { eval_time: "15m", alertname: "WireGuardExporterDown", exp_alerts: [] },
        ],
      },
    ]);
    expect(r.output).toContain("SUCCESS");
    expect(r.code).toBe(0);
  });
});
