// The dashboard set: build each dashboard with the SDK, tidy the model for Grafana and for git,
// and turn it into committed files (JSON + layout picture).
import type * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import { jsonText, type Artifact } from "../artifact";
import { layoutSvg } from "./layout-svg";
import { overviewDashboard } from "./overview";
import { peerDashboard } from "./peer";
import { defaultDashboardSettings, type DashboardSettings } from "./settings";
import { DASHBOARD_NAMES } from "./stack-names";

type DashboardModel = dashboard.Dashboard;

export interface BuiltDashboard {
  /** The generic name, the same in every stack: the file name stem (`wireguard-overview`). */
  name: string;
  /** The finalized model; its uid is the name for the committed set and the stack's own otherwise. */
  model: DashboardModel;
}

/** Every dashboard we ship, finalized. */
export function buildDashboards(settings: DashboardSettings = defaultDashboardSettings): BuiltDashboard[] {
  return [
    { name: DASHBOARD_NAMES.overview, model: finalizeForGrafana(overviewDashboard(settings).build()) },
    { name: DASHBOARD_NAMES.peer, model: finalizeForGrafana(peerDashboard(settings).build()) },
  ];
}

/**
 * The one place the SDK's output is adjusted:
 * - panel ids: the SDK leaves them unset (rows get 0); Grafana needs them unique for links and
 *   panel views, and sequential ids keep diffs stable;
 * - `annotations: {}` becomes `{list: []}`, the shape Grafana's v1 model has;
 * - variables lose the interval-only `auto*` fields the SDK puts on every variable;
 * - panels lose `repeatDirection` (no panel repeats); links lose `placement`, which Grafana 12
 *   uses to hide links in a menu and older versions reject in strict validation.
 */
function finalizeForGrafana(model: DashboardModel): DashboardModel {
  // A JSON round trip: the SDK objects carry helper functions that are not part of the model.
  const m = JSON.parse(JSON.stringify(model)) as DashboardModel;
  type Loose = Record<string, unknown>;
  let id = 0;
  for (const p of (m.panels ?? []) as unknown as Loose[]) {
    p.id = ++id;
    if (p.type !== "row" && p.repeat === undefined) delete p.repeatDirection;
  }
  m.annotations = { list: [] };
  for (const v of (m.templating?.list ?? []) as unknown as Loose[]) {
    if (v.type !== "interval") for (const k of ["auto", "auto_min", "auto_count"]) delete v[k];
  }
  for (const l of (m.links ?? []) as unknown as Loose[]) delete l.placement;
  return m;
}

/** Repo-root files: `dashboards/<uid>.json` and `dashboards/<uid>.svg` (the reviewer's picture). */
export function dashboardArtifacts(): Artifact[] {
  return buildDashboards().flatMap(({ name, model }) => [
    { path: `dashboards/${name}.json`, content: jsonText(model), kind: "dashboard" as const },
    { path: `dashboards/${name}.svg`, content: layoutSvg(model), kind: "other" as const },
  ]);
}
