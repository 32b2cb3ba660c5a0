// PrometheusServer: puts the stack's Prometheus files (config or fragment, targets, rules, the
// exporters' basic-auth password) onto the server in one Command that receives them on stdin, checks
// them with promtool before and after the swap, and reloads; its delete removes them again.
import { posix } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type { remote } from "@pulumi/command";
import type { Inventory } from "../config/index";
import type { Artifact } from "../render/artifact";
import { PASSWORD_FILE } from "../prometheus/scrape-config";
import type { Connection } from "./connection";
import type { Deployment } from "./deployment";
import { installStep } from "./install-step";
import { prometheusApplyScript, prometheusRemoveScript, type PrometheusFile } from "./prometheus-scripts";
import { asRoot } from "./shell";

export interface PrometheusServerArgs {
  stack: string;
  /** `address:port` of the SSH target (see machineOf). */
  machine: string;
  settings: Inventory["prometheus"];
  connection: Connection;
  /** The stack's Prometheus artifacts; each one with a placement is installed there. */
  artifacts: Artifact[];
  /** The exporters' basic-auth password, written to secretsDir where the scrape config's password_file points. */
  exporterPassword?: pulumi.Output<string>;
  /** Steps to finish first (the hosts' installs), so that the first scrape finds the exporters. */
  waitFor?: pulumi.Resource[];
}

export class PrometheusServer extends pulumi.ComponentResource {
  readonly apply: remote.Command;

  constructor(name: string, args: PrometheusServerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("wireguard-monitoring:index:PrometheusServer", name, {}, opts);
    const s = args.settings;
    const deployment: Deployment = { stack: args.stack, component: name, role: "prometheus", machine: args.machine };
    const files: (PrometheusFile & { content: pulumi.Input<string> })[] = args.artifacts.flatMap((a) =>
      a.placement ? [{ name: posix.basename(a.path), placement: a.placement, check: a.kind === "rules" ? "rules" : a.kind === "prometheus" ? "config" : "none", content: a.content }] : [],
    );
    if (args.exporterPassword) {
      files.push({
        name: PASSWORD_FILE,
        placement: { target: posix.join(s.secretsDir, PASSWORD_FILE), mode: "0640", group: "prometheus", restarts: false },
        check: "none",
        content: pulumi.secret(args.exporterPassword),
      });
    }
    const options = { deployment, configFile: s.configFile, configMode: s.configMode, files, reload: s.reload, reloadUrl: s.reloadUrl, service: s.service };
    this.apply = installStep(this, `${name}-files`, {
      connection: args.connection,
      machine: args.machine,
      install: asRoot(prometheusApplyScript(options)),
      remove: asRoot(prometheusRemoveScript(options)),
      files,
      dependsOn: args.waitFor,
    });
    this.registerOutputs({ files: files.map((f) => f.placement.target) });
  }
}
