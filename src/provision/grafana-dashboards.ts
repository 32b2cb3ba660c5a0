// GrafanaDashboards: a folder and one dashboard per committed dashboards/*.json, through the
// Grafana provider configured from the stack (url, secret auth).
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as grafana from "@pulumiverse/grafana";

export interface DashboardFile {
  /** File name stem, which is the dashboard's uid (DESIGN.md: Files). */
  uid: string;
  configJson: string;
}

/** The committed dashboards, sorted by uid; no folder or no files means no dashboards. */
export function committedDashboards(dir: string): DashboardFile[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith(".json"));
  } catch {
    return [];
  }
  return names.sort().map((n) => ({ uid: n.slice(0, -".json".length), configJson: readFileSync(join(dir, n), "utf8") }));
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
