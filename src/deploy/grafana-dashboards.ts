// GrafanaDashboards: the stack's own folder and one dashboard per rendered dashboard of the stack
// (the committed dashboards/*.json with the stack's uids, titles, datasource, job and thresholds),
// through the Grafana provider configured from the stack (url, secret auth).
import * as pulumi from "@pulumi/pulumi";
// The three modules used, not the package index: its types declare every Grafana resource (1.7 MB),
// which ts-node would parse and bind on every `pulumi up`.
import { Dashboard } from "@pulumiverse/grafana/oss/dashboard";
import { Folder } from "@pulumiverse/grafana/oss/folder";
import { Provider } from "@pulumiverse/grafana/provider";
import type { Artifact } from "../build/artifact";

export interface StackDashboard {
  /** The uid the stack saves it under (the artifact's `dashboardUid`). */
  uid: string;
  configJson: string;
}

/** The stack's dashboards from its artifacts, sorted by uid. */
export function stackDashboards(artifacts: readonly Artifact[]): StackDashboard[] {
  return artifacts
    .filter((a) => a.kind === "dashboard")
    .map((a) => {
      if (a.dashboardUid === undefined) throw new Error(`dashboard artifact ${a.path} has no dashboardUid`);
      return { uid: a.dashboardUid, configJson: a.content };
    })
    .sort((a, b) => (a.uid < b.uid ? -1 : 1));
}

export interface GrafanaDashboardsArgs {
  /** Grafana's base URL. */
  url: string;
  /** Service-account token or `user:password`; stays secret. */
  auth: pulumi.Output<string>;
  /** The stack's own folder; uid and title say its environment (src/build/grafana/stack-names.ts). */
  folder: { uid: string; title: string };
  /** The dashboards, each saved under its own uid. */
  dashboards: StackDashboard[];
}

// What the provider does, read in terraform-provider-grafana v4.44.0 (the version
// @pulumiverse/grafana 2.40.0 bridges), internal/resources/grafana/:
// - resource_dashboard.go:147-178, 246-262 (249): a create posts the dashboard with our
//   `overwrite` input. With `false`, Grafana refuses a uid that already exists (our JSON has no
//   `version`, so the check in getExistingDashboardByIdOrUidForUpdate, grafana's
//   pkg/services/dashboards/database/database.go, fails) instead of taking over a dashboard
//   this stack does not own.
// - resource_dashboard.go:220-237 (230): an update always posts with Overwrite = true, so an edit
//   still lands on our own dashboard, even after someone changed it in the UI.
// - resource_dashboard.go:48-56: another uid in config_json forces a replacement (create the
//   new dashboard, delete the old); so does another folder uid (resource_folder.go:43-50).
// - resource_folder.go:61-66, 216-228: with prevent_destroy_if_not_empty a folder holding
//   anything we did not put there (a dashboard, an alert rule) is not deleted; without it, the
//   folder's dashboards and alert rules would go with it. Needs Grafana 10.2 or later.
export class GrafanaDashboards extends pulumi.ComponentResource {
  readonly folder: Folder;
  readonly dashboards: Dashboard[];

  constructor(name: string, args: GrafanaDashboardsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("wireguard-monitoring:index:GrafanaDashboards", name, {}, opts);
    const provider = new Provider(
      `${name}-provider`,
      { url: args.url, auth: pulumi.secret(args.auth) },
      { parent: this },
    );
    this.folder = new Folder(
      `${name}-folder`,
      { uid: args.folder.uid, title: args.folder.title, preventDestroyIfNotEmpty: true },
      { parent: this, provider },
    );
    this.dashboards = args.dashboards.map(
      (d) =>
        new Dashboard(
          `${name}-${d.uid}`,
          { folder: this.folder.uid, configJson: d.configJson, overwrite: false },
          { parent: this, provider },
        ),
    );
    this.registerOutputs({ folderUid: this.folder.uid, dashboardUrls: this.dashboards.map((d) => d.url) });
  }
}
