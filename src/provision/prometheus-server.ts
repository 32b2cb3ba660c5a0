// PrometheusServer: uploads the rendered Prometheus files (config, targets, rules) and runs the
// checked swap-and-reload step; its delete removes them again.
import { posix } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { remote } from "@pulumi/command";
import type { Inventory } from "../config/index";
import type { Artifact } from "../render/artifact";
import type { Connection } from "./connection";
import { PASSWORD_FILE } from "../prometheus/scrape-config";
import { prometheusApplyScript, prometheusRemoveScript, type PrometheusPlacement } from "./prometheus-scripts";
import { installCommand, removeCommand, sha256, stageDir, stagedText } from "./staging";

export interface PrometheusServerArgs {
  stack: string;
  settings: Inventory["prometheus"];
  connection: Connection;
  /** Artifacts of kind prometheus | targets | rules, paths under `prometheus/`. */
  artifacts: Artifact[];
  /** The exporters' basic-auth password, written to secretsDir where the scrape config's password_file points. */
  exporterPassword?: pulumi.Output<string>;
  /** Steps to finish first (the hosts' installs), so that the first scrape finds the exporters. */
  waitFor?: pulumi.Resource[];
}

/** Where each rendered file goes on the server; files this component does not know are an error. */
export function prometheusPlacement(settings: Inventory["prometheus"], artifact: Artifact): PrometheusPlacement | undefined {
  const rel = artifact.path.replace(/^prometheus\//, "");
  const base = posix.basename(rel);
  if (rel === "prometheus.yml") return settings.configMode === "full" ? { staged: rel, target: settings.configFile, kind: "config" } : undefined;
  if (rel === "scrape-fragment.yml") {
    return settings.configMode === "fragment" ? { staged: rel, target: posix.join(posix.dirname(settings.configFile), "wireguard-monitoring.scrape.yml"), kind: "fragment" } : undefined;
  }
  if (rel.startsWith("targets/")) return { staged: rel, target: posix.join(settings.targetsDir, base), kind: "targets" };
  if (rel.startsWith("rules/")) return { staged: rel, target: posix.join(settings.rulesDir, base), kind: "rules" };
  throw new Error(`PrometheusServer: no place on the server for artifact ${artifact.path}`);
}

export class PrometheusServer extends pulumi.ComponentResource {
  readonly apply: remote.Command;
  readonly contentHash: string;

  constructor(name: string, args: PrometheusServerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("wireguard-monitoring:index:PrometheusServer", name, {}, opts);
    const stage = stageDir(args.stack, name);
    const files: { placement: PrometheusPlacement; content: pulumi.Input<string> }[] = [];
    for (const artifact of args.artifacts) {
      const placement = prometheusPlacement(args.settings, artifact);
      if (placement) files.push({ placement, content: artifact.content });
    }
    if (args.exporterPassword) {
      const placement: PrometheusPlacement = { staged: PASSWORD_FILE, target: posix.join(args.settings.secretsDir, PASSWORD_FILE), kind: "secret" };
      files.push({ placement, content: pulumi.secret(args.exporterPassword) });
    }

    const uploads = files.map(({ placement, content }) =>
      stagedText(this, `${name}-${placement.staged.replace(/[^A-Za-z0-9-]/g, "-")}`, args.connection, `${stage}/${placement.staged}`, content),
    );

    const s = args.settings;
    const options = { configFile: s.configFile, configMode: s.configMode, placements: files.map((f) => f.placement), reload: s.reload, reloadUrl: s.reloadUrl, service: s.service };
    const create = installCommand(args.stack, name, prometheusApplyScript(options));
    this.contentHash = sha256([...files.map((f) => (typeof f.content === "string" ? sha256(f.content) : "(secret)")), create].join("\n"));
    const secretHashes = files.filter((f) => typeof f.content !== "string").map((f) => pulumi.output(f.content).apply(sha256));

    this.apply = new remote.Command(`${name}-apply`, {
      connection: args.connection,
      create,
      update: create,
      delete: removeCommand(args.stack, name, prometheusRemoveScript(options)),
      triggers: [this.contentHash, ...secretHashes],
      addPreviousOutputInEnv: false,
      logging: remote.Logging.Stderr,
    }, { parent: this, dependsOn: [...uploads, ...(args.waitFor ?? [])], deleteBeforeReplace: true, additionalSecretOutputs: ["stdout", "stderr"] });

    this.registerOutputs({ contentHash: this.contentHash, files: files.map((f) => f.placement.target) });
  }
}
