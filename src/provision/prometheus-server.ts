// PrometheusServer: puts one Prometheus server's files (config or fragment, targets, rules, and the
// passwords its config reads from files) onto the server in one Command that receives them on stdin,
// checks them with promtool before and after the swap, and reloads; its delete removes them again.
import { posix } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type { remote } from "@pulumi/command";
import type { Inventory } from "../config/index";
import type { Artifact } from "../render/artifact";
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
  /** Passwords the generated config reads from files (password_file), each written to secretsDir under its name. */
  secretFiles?: PrometheusSecretFile[];
  /** Steps to finish first (the hosts' installs), so that the first scrape finds the exporters. */
  waitFor?: pulumi.Resource[];
}

/** One secret Prometheus reads from a file in its secretsDir, e.g. the exporters' basic-auth password. */
export interface PrometheusSecretFile {
  /** File name in secretsDir, where the generated config's password_file points. */
  name: string;
  value: pulumi.Output<string>;
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
    // Readable by Prometheus (group prometheus) and nobody else. No reload: Prometheus reads a password
    // file at every request (prometheus/common config/http_config.go, FileSecret.Fetch, Immutable false).
    for (const secret of args.secretFiles ?? []) {
      files.push({
        name: secret.name,
        placement: { target: posix.join(s.secretsDir, secret.name), mode: "0640", group: "prometheus", restarts: false },
        check: "none",
        content: pulumi.secret(secret.value),
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
