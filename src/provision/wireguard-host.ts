// WireGuardHost: moves one host's artifacts (exporter bundle, peers file, web config, systemd unit,
// Filebeat inputs) onto the machine and runs the install step; its delete removes all of it.
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { remote } from "@pulumi/command";
import type { Artifact } from "../render/artifact.js";
import { HOST_FILES } from "../hosts/artifacts.js";
import { EXPORTER_USER, HELPER_SOCKET_UNIT, HOST_PATHS } from "../hosts/paths.js";
import { basicAuthHash, withBasicAuthUser } from "../hosts/web-config.js";
import type { Connection } from "./connection.js";
import { installScript, removeScript, type Placement } from "./host-scripts.js";
import { asRoot, checkedStage, shellQuote } from "./shell.js";

export interface ExporterBundle {
  /** Local path of exporter/dist/wireguard-exporter.cjs. */
  path: string;
  sha256: string;
}

export interface WireGuardHostArgs {
  stack: string;
  /** Installs the root `wg` helper (src/hosts/wg-helper.ts) for wireguard-go hosts. */
  userspaceWireGuard: boolean;
  connection: Connection;
  /** This host's artifacts (hostArtifacts(inv) for the host). */
  artifacts: Artifact[];
  exporterBundle: ExporterBundle;
  installNode: boolean;
  healthUrl: string;
  /** logs.filebeatInputsDir when the stack ships logs with Filebeat. */
  filebeatInputsDir?: string;
  basicAuth?: { username: string; password: pulumi.Output<string> };
}

export const BUNDLE_STAGED_NAME = "wireguard-exporter.cjs";

export function stageRoot(stack: string): string {
  return `/tmp/wireguard-monitoring-${stack}`;
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

export class WireGuardHost extends pulumi.ComponentResource {
  /** sha256 over everything installed; a change re-runs the install step. */
  readonly contentHash: string;
  readonly install: remote.Command;

  constructor(name: string, args: WireGuardHostArgs, opts?: pulumi.ComponentResourceOptions) {
    super("wireguard-monitoring:index:WireGuardHost", name, {}, opts);
    const stage = `${stageRoot(args.stack)}/${name}`;
    const file = (f: string) => {
      const a = args.artifacts.find((x) => x.path.endsWith(`/${f}`));
      if (!a) throw new Error(`host ${name}: no artifact ${f}`);
      return a;
    };

    const placements: Placement[] = [
      { staged: BUNDLE_STAGED_NAME, target: HOST_PATHS.bundle, mode: "0644", group: "root", restarts: true },
      { staged: HOST_FILES.unit, target: HOST_PATHS.unit, mode: "0644", group: "root", restarts: true },
      { staged: HOST_FILES.webConfig, target: HOST_PATHS.webConfig, mode: "0640", group: EXPORTER_USER, restarts: true },
      { staged: HOST_FILES.peers, target: HOST_PATHS.peersFile, mode: "0640", group: EXPORTER_USER, restarts: false },
    ];
    if (args.userspaceWireGuard) {
      placements.push(
        { staged: HOST_FILES.helperSocket, target: HOST_PATHS.helperSocketUnit, mode: "0644", group: "root", restarts: true },
        { staged: HOST_FILES.helperService, target: HOST_PATHS.helperServiceUnit, mode: "0644", group: "root", restarts: false },
        { staged: HOST_FILES.helperClient, target: HOST_PATHS.helperClient, mode: "0755", group: "root", restarts: false },
      );
    }
    if (args.filebeatInputsDir !== undefined) {
      placements.push({ staged: HOST_FILES.filebeat, target: `${args.filebeatInputsDir}/${HOST_PATHS.filebeatInputsName}`, mode: "0644", group: "root", restarts: false });
    }

    // The web config gets the bcrypt hash only here, as a secret; everything else is plain text.
    const webConfig = file(HOST_FILES.webConfig).content;
    const deployedWebConfig: pulumi.Input<string> = args.basicAuth
      ? pulumi.secret(args.basicAuth.password).apply((pw) => withBasicAuthUser(webConfig, args.basicAuth!.username, basicAuthHash(pw, `${args.stack}/${name}`)))
      : webConfig;

    const copy = (staged: string, source: pulumi.Input<pulumi.asset.Asset>, hash: pulumi.Input<string>) =>
      new remote.CopyToRemote(`${name}-${staged.replace(/[^A-Za-z0-9-]/g, "-")}`, {
        connection: args.connection,
        source,
        remotePath: `${stage}/${staged}`,
        triggers: [hash],
      }, { parent: this });

    const uploads: remote.CopyToRemote[] = [copy(BUNDLE_STAGED_NAME, new pulumi.asset.FileAsset(args.exporterBundle.path), args.exporterBundle.sha256)];
    for (const p of placements.slice(1)) {
      if (p.staged === HOST_FILES.webConfig) {
        uploads.push(copy(p.staged, pulumi.output(deployedWebConfig).apply((t) => new pulumi.asset.StringAsset(t)), pulumi.output(deployedWebConfig).apply(sha256)));
      } else {
        const text = file(p.staged).content;
        uploads.push(copy(p.staged, new pulumi.asset.StringAsset(text), sha256(text)));
      }
    }

    const options = {
      host: name,
      helperUnits: args.userspaceWireGuard ? [HELPER_SOCKET_UNIT] : [],
      installNode: args.installNode,
      placements,
      healthUrl: args.healthUrl,
      healthUser: args.basicAuth?.username,
    };
    const create = `${checkedStage(stageRoot(args.stack))}; ${asRoot(installScript(options), [stage])}`;
    const del = `${asRoot(removeScript(options))}; rm -rf ${shellQuote(stage)}; rmdir ${shellQuote(stageRoot(args.stack))} 2>/dev/null || true`;
    this.contentHash = sha256(
      [args.exporterBundle.sha256, ...placements.slice(1).map((p) => (p.staged === HOST_FILES.webConfig ? "(web config: see secret trigger)" : sha256(file(p.staged).content))), create].join("\n"),
    );
    const webConfigHash = pulumi.output(deployedWebConfig).apply(sha256);

    this.install = new remote.Command(`${name}-install`, {
      connection: args.connection,
      create,
      update: create,
      delete: del,
      // Only the basic-auth password (for polling /health) goes in, on stdin, never in the command line.
      ...(args.basicAuth ? { stdin: pulumi.secret(args.basicAuth.password).apply((pw) => `${pw}\n`) } : {}),
      triggers: [this.contentHash, webConfigHash],
      addPreviousOutputInEnv: false,
      logging: remote.Logging.Stderr,
    }, { parent: this, dependsOn: uploads, deleteBeforeReplace: true, additionalSecretOutputs: ["stdout", "stderr"] });

    this.registerOutputs({ contentHash: this.contentHash, installed: this.install.stdout });
  }
}
