// The dashboard set as committed: fresh, deterministic, well-formed for Grafana, linked together,
// and rendered per stack with the stack's datasource and job as defaults and uids of its own.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadStackFile } from "../../src/model/index";
import { grafanaArtifacts } from "../../src/build/grafana/artifacts";
import { buildDashboards, dashboardArtifacts } from "../../src/build/grafana/dashboards";
import { DASHBOARD_NAMES } from "../../src/build/grafana/stack-names";
import { committedArtifacts } from "../../src/tools/render/committed-artifacts";
import { dataPanels } from "./lint-rules";

/* eslint-disable @typescript-eslint/no-explicit-any */
type Json = any;

const committed = (path: string) => readFileSync(path, "utf8");
const generic = () => buildDashboards().map(({ model }) => model);

describe("committed dashboards", () => {
  it("are the builders' output, byte for byte (run `npm run render` after changing a builder)", () => {
    for (const a of dashboardArtifacts()) expect(committed(a.path), `${a.path} is stale`).toBe(a.content);
  });

  it("are deterministic: two builds give the same bytes", () => {
    expect(dashboardArtifacts()).toEqual(dashboardArtifacts());
  });

  it("are registered with the committed artifacts, a JSON and a picture per dashboard", () => {
    const paths = committedArtifacts().map((a) => a.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        "dashboards/wireguard-overview.json",
        "dashboards/wireguard-overview.svg",
        "dashboards/wireguard-peer.json",
        "dashboards/wireguard-peer.svg",
      ]),
    );
  });

  it.each(buildDashboards().map((d) => [d.name, d.model] as const))(
    "%s: uid is the file name stem and panel ids are unique",
    (name, d) => {
      expect(d.uid).toBe(name);
      expect(JSON.parse(committed(`dashboards/${name}.json`)).uid).toBe(name);
      const ids = (d.panels ?? []).map((p) => p.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.every((id) => typeof id === "number" && id > 0)).toBe(true);
    },
  );

  it.each(buildDashboards().map((d) => [d.name, d.model] as const))(
    "%s: panels sit inside the 24-column grid without overlapping",
    (_uid, d) => {
      const cells = new Map<string, string>();
      for (const p of d.panels ?? []) {
        const g = p.gridPos!;
        expect(g.x! + g.w, `${p.title} overflows`).toBeLessThanOrEqual(24);
        for (let x = g.x!; x < g.x! + g.w; x++)
          for (let y = g.y!; y < g.y! + g.h; y++) {
            const key = `${x},${y}`;
            expect(cells.get(key), `${p.title} overlaps ${cells.get(key)} at ${key}`).toBeUndefined();
            cells.set(key, p.title ?? "");
          }
      }
    },
  );

  it("link to each other, keeping the time range", () => {
    const [overview, peer] = generic();
    expect(overview.links?.[0]).toMatchObject({
      url: "/d/wireguard-peer/wireguard-peer",
      keepTime: true,
      includeVars: true,
    });
    expect(peer.links?.[0]).toMatchObject({ url: "/d/wireguard-overview/wireguard-overview", keepTime: true });
    const table = dataPanels(overview).find((p: Json) => p.type === "table");
    expect(JSON.stringify(table.fieldConfig.overrides)).toContain("/d/wireguard-peer/wireguard-peer?");
  });

  it("have the panels the issue asks for", () => {
    const titles = Object.fromEntries(
      buildDashboards().map((d) => [d.name, dataPanels(d.model).map((p: Json) => `${p.type}:${p.title}`)]),
    );
    expect(titles["wireguard-overview"]).toEqual([
      "stat:Active peers",
      "stat:Expected peers not connected",
      "stat:Firing WireGuard alerts",
      "stat:Receive rate",
      "stat:Send rate",
      "bargauge:Peers per interface",
      "timeseries:Receive rate per peer",
      "timeseries:Send rate per peer",
      "piechart:Traffic share by peer",
      "table:Handshake age by peer",
      "stat:Exporter up",
      "stat:Scrape success",
      "timeseries:Scrape duration",
      "table:Firing WireGuard alerts (list)",
    ]);
    expect(titles["wireguard-peer"]).toEqual([
      "stat:Connected",
      "stat:Expected",
      "stat:Handshake age",
      "stat:Receive rate",
      "stat:Send rate",
      "stat:Traffic in range",
      "timeseries:Bandwidth",
      "timeseries:Handshake age",
      "state-timeline:Connected state",
      "state-timeline:Endpoints",
    ]);
  });

  it("use the variables datasource, job, instance, interface and peer", () => {
    for (const d of generic())
      expect((d.templating?.list ?? []).map((v) => v.name)).toEqual([
        "datasource",
        "job",
        "instance",
        "interface",
        "peer",
      ]);
  });
});

describe("grafanaArtifacts", () => {
  const loaded = loadStackFile(".", "example");
  if (!loaded.ok) throw new Error(`example stack does not load: ${JSON.stringify(loaded.errors)}`);
  const inv = loaded.inventory;
  const files = grafanaArtifacts(inv);

  it("renders one grafana/dashboards/<name>.json per dashboard, with the uid it is deployed under", () => {
    expect(files.map((a) => a.path)).toEqual([
      "grafana/dashboards/wireguard-overview.json",
      "grafana/dashboards/wireguard-peer.json",
    ]);
    expect(files.every((a) => a.kind === "dashboard")).toBe(true);
    for (const a of files) expect(JSON.parse(a.content).uid).toBe(a.dashboardUid);
  });

  it("defaults the datasource and job variables to the stack's and uses its thresholds", () => {
    for (const a of files) {
      const d = JSON.parse(a.content);
      const byName = Object.fromEntries(d.templating.list.map((v: Json) => [v.name, v]));
      expect(byName.datasource.current.value).toBe(inv.grafana.datasourceUid);
      expect(byName.job.current.value).toEqual([inv.prometheus.jobName]);
    }
    expect(files[0].content).toContain(`"value": 300`); // staleHandshake 5m as a threshold step
  });

  it("are the committed dashboards apart from those defaults, the uids and the titles", () => {
    const asGeneric = (text: string) => {
      let t = text;
      for (const name of Object.values(DASHBOARD_NAMES))
        t = t
          .replaceAll(`"${name}-${inv.environment}"`, `"${name}"`)
          .replaceAll(`/d/${name}-${inv.environment}/`, `/d/${name}/`);
      const d = JSON.parse(t);
      d.title = d.title.replace(` (${inv.environment})`, "");
      for (const v of d.templating.list) if (v.name === "datasource" || v.name === "job") delete v.current;
      return d;
    };
    for (const a of files) expect(asGeneric(a.content)).toEqual(asGeneric(committed(a.path.replace("grafana/", ""))));
  });

  it("renders nothing when Grafana is disabled", () => {
    expect(grafanaArtifacts({ ...inv, grafana: { ...inv.grafana, enabled: false } })).toEqual([]);
  });
});
