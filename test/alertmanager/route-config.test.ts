// The rendered Alertmanager files, checked by amtool: the complete alertmanager.yml is valid and
// routes each severity of this environment's WireGuard alerts to its receiver; the fragment merged
// into an existing config routes the same way and leaves the rest of that config alone.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dump, load } from "js-yaml";
import { afterAll, describe, expect, it } from "vitest";
import { ALERTMANAGER_CONFIG_PATH, ROUTE_FRAGMENT_PATH } from "../../src/build/alertmanager/artifacts";
import { validateStackConfig, type Inventory } from "../../src/model/index";
import { stackArtifacts } from "../../src/build/stack-artifacts";

const AMTOOL = "/usr/bin/amtool";
const tmp = mkdtempSync(join(tmpdir(), "wgm-alertmanager-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function amtool(args: string[]): { code: number | null; out: string } {
  const r = spawnSync(AMTOOL, args, { encoding: "utf8", timeout: 60_000 });
  if (r.error)
    throw new Error(`these tests need ${AMTOOL} (apt-get install prometheus-alertmanager): ${r.error.message}`);
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

function inventory(route: Record<string, unknown>): Inventory {
  const r = validateStackConfig(
    {
      allowUnpinnedHostKeys: true,
      environment: "prod",
      hosts: [{ name: "h", address: "203.0.113.1" }],
      alerting: { route },
    },
    "am",
  );
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.inventory;
}

const file = (inv: Inventory, path: string) => stackArtifacts(inv).find((a) => a.path === path)!.content;

let n = 0;
function written(content: string): string {
  const path = join(tmp, `alertmanager-${n++}.yml`);
  writeFileSync(path, content);
  return path;
}

/** The receiver amtool's route test picks for an alert with these labels. */
function routedTo(configFile: string, labels: Record<string, string>): string {
  const r = amtool([
    "config",
    "routes",
    "test",
    `--config.file=${configFile}`,
    ...Object.entries(labels).map(([k, v]) => `${k}=${v}`),
  ]);
  expect(r.code, r.out).toBe(0);
  return r.out
    .split("\n")
    .filter((l) => l.trim() !== "" && !l.startsWith("Warning:"))
    .join(",")
    .trim();
}

const ROUTE = { receivers: { critical: "pager", warning: "team-chat", info: "ticket" } };

describe("alertmanager/alertmanager.yml", () => {
  const inv = inventory(ROUTE);
  const config = written(file(inv, ALERTMANAGER_CONFIG_PATH));

  it("passes amtool check-config, with one receiver per distinct name and the two inhibit rules", () => {
    const r = amtool(["check-config", config]);
    expect(r.out).toContain("SUCCESS");
    expect(r.out).toContain("2 inhibit rules");
    expect(r.out).toContain("4 receivers");
    expect(r.code).toBe(0);
  });

  it.each([
    ["critical", "pager"],
    ["warning", "team-chat"],
    ["info", "ticket"],
    ["unknown", "pager"],
  ])("routes a %s WireGuard alert of this env to %s", (severity, receiver) => {
    expect(routedTo(config, { alertname: "WireGuardPeerDown", env: "prod", severity })).toBe(receiver);
  });

  it("leaves another environment's and other alerts to the default receiver", () => {
    expect(routedTo(config, { alertname: "WireGuardPeerDown", env: "staging", severity: "critical" })).toBe("default");
    expect(routedTo(config, { alertname: "NodeDown", env: "prod", severity: "critical" })).toBe("default");
  });

  it("falls back to critical's receiver for warning and info when the stack names only critical", () => {
    const only = written(file(inventory({ receivers: { critical: "pager" } }), ALERTMANAGER_CONFIG_PATH));
    expect(amtool(["check-config", only]).code).toBe(0);
    for (const severity of ["critical", "warning", "info"])
      expect(routedTo(only, { alertname: "WireGuardNoPeers", env: "prod", severity })).toBe("pager");
  });

  it("groups by the stack's labels with its timings", () => {
    const inv2 = inventory({
      ...ROUTE,
      groupBy: ["env", "alertname"],
      groupWait: "10s",
      groupInterval: "1m",
      repeatInterval: "12h",
    });
    const route = (load(file(inv2, ROUTE_FRAGMENT_PATH)) as { route: Record<string, unknown> }).route;
    expect(route).toMatchObject({
      group_by: ["env", "alertname"],
      group_wait: "10s",
      group_interval: "1m",
      repeat_interval: "12h",
    });
  });
});

describe("alertmanager/wireguard-route.yml", () => {
  const inv = inventory(ROUTE);
  const fragment = load(file(inv, ROUTE_FRAGMENT_PATH)) as { route: Record<string, unknown>; inhibit_rules: unknown[] };

  it("inhibits PeerDown by the peer's ExpectedPeerDown, all other alerts by the instance's ExporterDown", () => {
    expect(fragment.inhibit_rules).toEqual([
      {
        source_matchers: ['alertname="WireGuardExpectedPeerDown"'],
        target_matchers: ['alertname="WireGuardPeerDown"'],
        equal: ["env", "instance", "interface", "public_key"],
      },
      {
        source_matchers: ['alertname="WireGuardExporterDown"'],
        target_matchers: ['alertname=~"WireGuard.+"', 'alertname!="WireGuardExporterDown"'],
        equal: ["env", "instance"],
      },
    ]);
  });

  it("merged into a config (route under routes:, inhibit rules appended) routes as the whole, keeps the rest", () => {
    const existing = {
      route: { receiver: "ops-default", routes: [{ receiver: "db-team", matchers: ['team="db"'] }] },
      inhibit_rules: [
        { source_matchers: ['alertname="DatacenterDown"'], target_matchers: ['severity="warning"'], equal: ["dc"] },
      ],
      receivers: [
        { name: "ops-default" },
        { name: "db-team" },
        { name: "pager" },
        { name: "team-chat" },
        { name: "ticket" },
      ],
    };
    existing.route.routes.unshift(fragment.route as never);
    existing.inhibit_rules.push(...(fragment.inhibit_rules as never[]));
    const merged = written(dump(existing));
    const r = amtool(["check-config", merged]);
    expect(r.out).toContain("3 inhibit rules");
    expect(r.code).toBe(0);
    expect(routedTo(merged, { alertname: "WireGuardExpectedPeerDown", env: "prod", severity: "critical" })).toBe(
      "pager",
    );
    expect(
      routedTo(merged, { alertname: "WireGuardHighBandwidth", env: "prod", severity: "warning", team: "db" }),
    ).toBe("team-chat");
    expect(routedTo(merged, { alertname: "SlowQuery", team: "db" })).toBe("db-team");
    expect(routedTo(merged, { alertname: "WireGuardPeerDown", env: "dev", severity: "warning" })).toBe("ops-default");
  });
});
