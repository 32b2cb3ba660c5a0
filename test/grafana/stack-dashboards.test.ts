// Several stacks share one Grafana: each stack's dashboards and folder have uids and titles of
// their own, link only to each other, and an environment that would make a uid longer than
// Grafana allows is a config error naming the key.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadStackFile, type Inventory } from "../../src/model/index";
import { grafanaArtifacts } from "../../src/build/grafana/artifacts";
import {
  DASHBOARD_NAMES,
  GRAFANA_UID_MAX_LENGTH,
  grafanaNameErrors,
  stackFolder,
} from "../../src/build/grafana/stack-names";
import { stackDashboards } from "../../src/deploy/grafana-dashboards";
import type { Artifact } from "../../src/build/artifact";
import { stackArtifacts } from "../../src/build/stack-artifacts";
import { REPO, runCli } from "../helpers/run";

const STACKS = ["example", "prod"];
const GENERIC_UIDS: string[] = Object.values(DASHBOARD_NAMES);

function inventory(stack: string): Inventory {
  const loaded = loadStackFile(REPO, stack);
  if (!loaded.ok) throw new Error(`Pulumi.${stack}.yaml does not validate`);
  return loaded.inventory;
}
const withEnvironment = (inv: Inventory, environment: string): Inventory => ({ ...inv, environment });
const uidsOf = (artifacts: Artifact[]) => stackDashboards(artifacts).map((d) => d.uid);
/** Every dashboard a link or drilldown in a dashboard's JSON points at (`/d/<uid>/…`). */
const linkedUids = (json: string) => [...json.matchAll(/\/d\/([^/?"]+)/g)].map((m) => m[1]);

describe.each(STACKS)("the %s stack's dashboards", (stack) => {
  const inv = inventory(stack);
  const artifacts = stackArtifacts(inv);
  const dashboards = stackDashboards(artifacts);

  it("have uids of their own: the generic name followed by the environment", () => {
    expect(dashboards.map((d) => d.uid)).toEqual(GENERIC_UIDS.map((name) => `${name}-${inv.environment}`));
    for (const d of dashboards) expect(JSON.parse(d.configJson).uid).toBe(d.uid);
  });

  it("say the environment in their titles", () => {
    for (const d of dashboards)
      expect(JSON.parse(d.configJson).title).toMatch(new RegExp(`^WireGuard / .+ \\(${inv.environment}\\)$`));
  });

  it("link and drill down only to dashboards of the same stack", () => {
    const own = new Set(dashboards.map((d) => d.uid));
    for (const d of dashboards) {
      const links = linkedUids(d.configJson);
      expect(links.length, `${d.uid} links to the other dashboard`).toBeGreaterThan(0);
      for (const uid of links) expect(own.has(uid), `${d.uid} links to ${uid}`).toBe(true);
    }
  });

  it("are in a folder of the stack's own, whose uid and title name the environment", () => {
    const folder = stackFolder(inv);
    expect(folder.uid).toBe(`wireguard-folder-${inv.environment}`);
    expect(folder.title).toContain(inv.environment);
    expect([...GENERIC_UIDS, ...dashboards.map((d) => d.uid)]).not.toContain(folder.uid);
  });
});

describe("two stacks on one Grafana", () => {
  const [a, b] = STACKS.map(inventory);

  it("deploy disjoint uids, none of them a committed dashboard's", () => {
    const uidsA = [...uidsOf(grafanaArtifacts(a)), stackFolder(a).uid];
    const uidsB = [...uidsOf(grafanaArtifacts(b)), stackFolder(b).uid];
    expect(a.environment).not.toBe(b.environment);
    for (const uid of uidsA) {
      expect(uidsB).not.toContain(uid);
      expect(GENERIC_UIDS).not.toContain(uid);
    }
    for (const uid of uidsB) expect(GENERIC_UIDS).not.toContain(uid);
  });

  it("get different folder titles even when both configure the same one (Grafana < 11.3 refuses duplicates)", () => {
    const same = (inv: Inventory) => stackFolder({ ...inv, grafana: { ...inv.grafana, folder: "WireGuard" } }).title;
    expect(same(a)).toBe(`WireGuard (${a.environment})`);
    expect(same(b)).toBe(`WireGuard (${b.environment})`);
  });

  it("keep a folder title that already names the environment", () => {
    expect(stackFolder({ ...a, grafana: { ...a.grafana, folder: `VPN ${a.environment} / WireGuard` } }).title).toBe(
      `VPN ${a.environment} / WireGuard`,
    );
    // a longer word that merely contains the environment does not count
    expect(
      stackFolder(withEnvironment({ ...a, grafana: { ...a.grafana, folder: "WireGuard production" } }, "prod")).title,
    ).toBe("WireGuard production (prod)");
  });
});

describe("an environment that makes a uid too long", () => {
  const inv = inventory("example");
  const longest = GRAFANA_UID_MAX_LENGTH - `${DASHBOARD_NAMES.overview}-`.length;

  it("is accepted up to the last character Grafana allows", () => {
    const env = "e".repeat(longest);
    expect(grafanaNameErrors(withEnvironment(inv, env))).toEqual([]);
    const uids = uidsOf(grafanaArtifacts(withEnvironment(inv, env)));
    expect(Math.max(...uids.map((u) => u.length))).toBe(GRAFANA_UID_MAX_LENGTH);
  });

  it("is a config error naming wireguard-monitoring:environment, the uid and the room left", () => {
    const env = "e".repeat(longest + 1);
    const errors = grafanaNameErrors(withEnvironment(inv, env));
    expect(errors).toHaveLength(1);
    expect(errors[0].path).toBe("wireguard-monitoring:environment");
    expect(errors[0].message).toContain(`"${DASHBOARD_NAMES.overview}-${env}" 41 characters long; Grafana allows 40`);
    expect(errors[0].message).toContain(
      `Set wireguard-monitoring:environment to a name of at most ${longest} characters`,
    );
    expect(() => stackArtifacts(withEnvironment(inv, env))).toThrow(
      /wireguard-monitoring:environment: .*Grafana allows 40/,
    );
  });

  it("does not matter when Grafana is disabled", () => {
    const off = { ...withEnvironment(inv, "e".repeat(60)), grafana: { ...inv.grafana, enabled: false } };
    expect(grafanaNameErrors(off)).toEqual([]);
    expect(stackArtifacts(off).some((a) => a.kind === "dashboard")).toBe(false);
  });

  describe("render refuses it before writing anything", () => {
    const dir = mkdtempSync(join(tmpdir(), "wgm-long-env-"));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, "Pulumi.long.yaml");
    const example = readFileSync(join(REPO, "Pulumi.example.yaml"), "utf8");
    writeFileSync(
      file,
      example.replace(
        "wireguard-monitoring:environment: example",
        `wireguard-monitoring:environment: ${"e".repeat(longest + 1)}`,
      ),
    );

    it("names the key and exits 1", () => {
      const r = runCli("render", ["--stack-file", file, "--out", join(dir, "out")]);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(`${file}: 1 error in the stack config`);
      expect(r.stderr).toContain("wireguard-monitoring:environment: ");
      expect(r.stdout).toBe("");
      expect(existsSync(join(dir, "out"))).toBe(false);
    });
  });
});

describe("stackDashboards", () => {
  const content = '{"uid":"x"}\n';

  it("takes each uid from the artifact, never from its path", () => {
    const artifacts: Artifact[] = [
      {
        path: "grafana/dashboards/wireguard-peer.json",
        content,
        kind: "dashboard",
        dashboardUid: "wireguard-peer-staging",
      },
    ];
    expect(stackDashboards(artifacts)).toEqual([{ uid: "wireguard-peer-staging", configJson: content }]);
  });

  it("refuses a dashboard artifact without a uid", () => {
    expect(() => stackDashboards([{ path: "grafana/dashboards/x.json", content, kind: "dashboard" }])).toThrow(
      "dashboard artifact grafana/dashboards/x.json has no dashboardUid",
    );
  });
});
