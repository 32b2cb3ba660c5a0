// PrometheusServer: puts one Prometheus server's files (config or fragment, targets, rules, and the
// passwords its config reads from files) onto the server in one Command that receives them on stdin,
// checks them with promtool before and after the swap, and reloads; its delete removes them again.
import { posix } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type { remote } from "@pulumi/command";
import { SINGLE_PROMETHEUS_NAME, type Inventory } from "../model/index";
import type { Artifact, Placement } from "../build/artifact";
import type { Connection } from "./connection";
import type { Deployment } from "./deployment";
import { installStep } from "./install-step";
import { prometheusApplyScript, prometheusRemoveScript } from "./prometheus-scripts";
import type { PlacedFile } from "./put-file";
import { asRoot } from "./shell";

/**
 * The component of one server: `prometheus` for a stack's single server (names in existing state stay valid), and
 * `prometheus-<name>` for each server of a list. The first of a list aliases `prometheus`: a stack
 * that lists its one server and adds more updates that server in place (or moves it, when its
 * machine changed) instead of creating it anew and deleting the old one.
 */
export function prometheusComponent(
  server: Pick<Inventory["prometheus"], "name" | "listed">,
  position: number,
): { name: string; formerName?: string } {
  if (!server.listed) return { name: SINGLE_PROMETHEUS_NAME };
  return {
    name: `${SINGLE_PROMETHEUS_NAME}-${server.name}`,
    ...(position === 0 ? { formerName: SINGLE_PROMETHEUS_NAME } : {}),
  };
}

export interface PrometheusServerArgs {
  stack: string;
  /** `address:port` of the SSH target (see machineOf). */
  machine: string;
  /** How this server reloads (one of inventory.prometheusServers). */
  settings: Pick<Inventory["prometheus"], "reload" | "reloadUrl" | "service">;
  connection: Connection;
  /**
   * This server's artifacts: each one with a placement is installed there; the one with `mainConfig` names its config.
   */
  artifacts: Artifact[];
  /** Passwords the generated config reads from files (password_file), each installed where its placement says. */
  secretFiles?: PrometheusSecretFile[];
  /** Steps to finish first (the installs of the hosts it scrapes), so that the first scrape finds the exporters. */
  waitFor?: pulumi.Resource[];
  /**
   * The component's name before, e.g. `prometheus` when a stack's single server becomes the first of
   * a list: aliased (with its `-files` step), so that the change is an update in place, not a create
   * of new resources plus a delete of the old ones.
   */
  formerName?: string;
}

/** One secret Prometheus reads from a file, e.g. the exporters' basic-auth password. */
interface PrometheusSecretFile {
  /** File name in secretsDir, where the generated config's password_file points. */
  name: string;
  /** secretFilePlacement: in the server's secretsDir. */
  placement: Placement;
  value: pulumi.Output<string>;
}

export class PrometheusServer extends pulumi.ComponentResource {
  readonly apply: remote.Command;

  constructor(name: string, args: PrometheusServerArgs, opts?: pulumi.ComponentResourceOptions) {
    super(
      "wireguard-monitoring:index:PrometheusServer",
      name,
      {},
      args.formerName ? { ...opts, aliases: [...(opts?.aliases ?? []), { name: args.formerName }] } : opts,
    );
    const s = args.settings;
    const deployment: Deployment = { stack: args.stack, component: name, role: "prometheus", machine: args.machine };
    const files: (PlacedFile & { content: pulumi.Input<string> })[] = args.artifacts.flatMap((a) =>
      a.placement ? [{ name: posix.basename(a.path), placement: a.placement, content: a.content }] : [],
    );
    for (const secret of args.secretFiles ?? []) {
      files.push({ name: secret.name, placement: secret.placement, content: pulumi.secret(secret.value) });
    }
    const mainConfigs = args.artifacts.flatMap((a) => (a.mainConfig === undefined ? [] : [a.mainConfig]));
    if (mainConfigs.length !== 1) {
      throw new Error(`${name}: expected one artifact that is the server's main config, got ${mainConfigs.length}`);
    }
    const options = {
      deployment,
      configFile: mainConfigs[0]!,
      files,
      reload: s.reload,
      reloadUrl: s.reloadUrl,
      service: s.service,
    };
    this.apply = installStep(this, `${name}-files`, {
      connection: args.connection,
      machine: args.machine,
      install: asRoot(prometheusApplyScript(options)),
      remove: asRoot(prometheusRemoveScript(options)),
      files,
      dependsOn: args.waitFor,
      formerNames: args.formerName ? [`${args.formerName}-files`] : [],
    });
    this.registerOutputs({ files: files.map((f) => f.placement.target) });
  }
}
