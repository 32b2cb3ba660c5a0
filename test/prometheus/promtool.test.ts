// promtool over everything we generate: the committed rule file and its unit tests, and every
// committed stack's prometheus.yml, scrape fragment, targets and rules.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { load } from "js-yaml";
import { afterAll, describe, expect, it } from "vitest";
import { alertArtifacts, prometheusArtifacts } from "../../src/build/prometheus/artifacts";
import { ALERT_NAMES } from "../../src/build/prometheus/rules";
import { promtool } from "../harness/prometheus";
import { committedStacks, REPO_ROOT, withServerPathsUnder } from "./stacks";

const ALERTS_DIR = join(REPO_ROOT, "alerts");
const TEST_FILES = readdirSync(join(ALERTS_DIR, "tests"))
  .filter((f) => f.endsWith(".yml"))
  .sort();
const tmp = mkdtempSync(join(tmpdir(), "wgm-promtool-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function writeAll(root: string, files: { path: string; content: string }[]): void {
  for (const f of files) {
    mkdirSync(dirname(join(root, f.path)), { recursive: true });
    writeFileSync(join(root, f.path), f.content);
  }
}

describe("alerts/wireguard.rules.yml", () => {
  it("is what the builder produces (run `npm run render` after changing src/build/prometheus or build/promql)", () => {
    const [artifact] = alertArtifacts();
    expect(artifact.path).toBe("alerts/wireguard.rules.yml");
    expect(readFileSync(join(REPO_ROOT, artifact.path), "utf8")).toBe(artifact.content);
  });

  it("passes promtool check rules", () => {
    const r = promtool(["check", "rules", "wireguard.rules.yml"], ALERTS_DIR);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`SUCCESS: ${ALERT_NAMES.length} rules found`);
  });

  it("passes every promtool unit test in alerts/tests/", () => {
    const r = promtool(["test", "rules", ...TEST_FILES.map((f) => `tests/${f}`)], ALERTS_DIR);
    expect(r.stdout + r.stderr).not.toContain("FAILED");
    expect(r.code).toBe(0);
    expect(r.stdout.match(/SUCCESS/g)?.length).toBe(TEST_FILES.length);
  });

  it("has, for every alert, a unit test where it fires and one where it must stay quiet", () => {
    const fires = new Set<string>();
    const quiet = new Set<string>();
    for (const file of TEST_FILES) {
      const doc = load(readFileSync(join(ALERTS_DIR, "tests", file), "utf8")) as {
        tests: {
          alert_rule_test?: { alertname: string; exp_alerts?: { exp_labels: object; exp_annotations: object }[] }[];
        }[];
      };
      for (const t of doc.tests) {
        for (const a of t.alert_rule_test ?? []) {
          if ((a.exp_alerts ?? []).length === 0) quiet.add(a.alertname);
          else {
            // exact labels and all three annotations, not just "something fired"
            for (const e of a.exp_alerts!)
              expect(Object.keys(e.exp_annotations).sort()).toEqual(["description", "runbook_url", "summary"]);
            fires.add(a.alertname);
          }
        }
      }
    }
    for (const name of ALERT_NAMES) {
      expect(fires, `${name} fires somewhere`).toContain(name);
      expect(quiet, `${name} stays quiet somewhere`).toContain(name);
    }
  });
});

describe.each(committedStacks())("stack $name", ({ name, inventory }) => {
  const artifacts = prometheusArtifacts(inventory);
  const asRendered = join(tmp, name, "as-rendered");
  writeAll(asRendered, artifacts);

  it("renders prometheus.yml, the fragment, the targets file and the rules", () => {
    expect(artifacts.map((a) => a.path)).toEqual([
      "prometheus/prometheus.yml",
      "prometheus/scrape-fragment.yml",
      "prometheus/targets/wireguard.json",
      "prometheus/rules/wireguard.rules.yml",
    ]);
  });

  it.each(["prometheus.yml", "scrape-fragment.yml"])(
    "%s passes promtool check config --syntax-only as rendered",
    (file) => {
      const r = promtool(["check", "config", "--syntax-only", join(asRendered, "prometheus", file)]);
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      expect(r.stdout).toContain("SUCCESS");
    },
  );

  it("passes the full promtool check config (rules loaded, targets file parsed) when its files are in place", () => {
    // The same render with the server paths moved under a temp dir, so promtool can open them.
    const server = join(tmp, name, "server");
    const root = join(server, "prometheus");
    const files = prometheusArtifacts(withServerPathsUnder(inventory, server));
    writeAll(server, [
      ...files,
      { path: "prometheus/secrets/wireguard-exporter-password", content: "not-a-real-password\n" },
    ]);
    for (const file of ["prometheus.yml", "scrape-fragment.yml"]) {
      const r = promtool(["check", "config", join(root, file)]);
      expect(r.stdout + r.stderr).not.toMatch(/WARNING|FAILED/);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain("SUCCESS: 1 rule files found");
    }
  });

  it("its rules pass promtool check rules", () => {
    const r = promtool(["check", "rules", join(asRendered, "prometheus/rules/wireguard.rules.yml")]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("SUCCESS");
  });
});
