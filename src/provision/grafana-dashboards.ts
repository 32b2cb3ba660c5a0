// GrafanaDashboards: a folder and one dashboard per rendered dashboard of the stack (the committed
// dashboards/*.json with the stack's datasource, job and thresholds as defaults), through the
// Grafana provider configured from the stack (url, secret auth).
import * as pulumi from "@pulumi/pulumi";
import * as grafana from "@pulumiverse/grafana";
import type { Artifact } from "../render/artifact";

export interface DashboardFile {
  /** File name stem, which is the dashboard's uid (DESIGN.md: Files). */
  uid: string;
  configJson: string;
}

/** The stack's dashboards from its artifacts, sorted by uid (the file name stem). */
export function stackDashboards(artifacts: readonly Artifact[]): DashboardFile[] {
  return artifacts
    .filter((a) => a.kind === "dashboard" && a.path.endsWith(".json"))
    .map((a) => ({ uid: a.path.slice(a.path.lastIndexOf("/") + 1, -".json".length), configJson: a.content }))
    .sort((a, b) => (a.uid < b.uid ? -1 : 1));
}

export interface GrafanaDashboardsArgs {
  url: string;
  auth: pulumi.Output<string>;
  folderTitle: string;
  dashboards: DashboardFile[];
}

export class GrafanaDashboards extends pulumi.ComponentResource {
  readonly folder: grafana.oss.Folder;
  readonly dashboards: grafana.oss.Dashboard[];

  constructor(name: string, args: GrafanaDashboardsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("wireguard-monitoring:index:GrafanaDashboards", name, {}, opts);
    const provider = new grafana.Provider(`${name}-provider`, { url: args.url, auth: pulumi.secret(args.auth) }, { parent: this });
    this.folder = new grafana.oss.Folder(`${name}-folder`, { title: args.folderTitle }, { parent: this, provider });
    this.dashboards = args.dashboards.map(
      (d) => new grafana.oss.Dashboard(`${name}-${d.uid}`, { folder: this.folder.uid, configJson: d.configJson, overwrite: true }, { parent: this, provider }),
    );
    this.registerOutputs({ folderUid: this.folder.uid, dashboardUrls: this.dashboards.map((d) => d.url) });
  }
}
