// WireGuardHost: moves one host's artifacts (exporter bundle, peers file, web config, systemd unit,
// Filebeat inputs) onto the machine and runs the install step; its delete removes all of it.
import * as pulumi from "@pulumi/pulumi";
import { remote } from "@pulumi/command";
import type { Artifact } from "../render/artifact";
import { HOST_FILES } from "../hosts/artifacts";
import { EXPORTER_USER, HELPER_SOCKET_UNIT, HOST_PATHS } from "../hosts/paths";
import { basicAuthHash, withBasicAuthUser } from "../hosts/web-config";
import type { Connection } from "./connection";
import type { ExporterBundle } from "./exporter-bundle";
import { installScript, removeScript, type Placement } from "./host-scripts";
import { installCommand, removeCommand, sha256, stageDir, stagedText, stagedUpload } from "./staging";

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

export class WireGuardHost extends pulumi.ComponentResource {
  /** sha256 over everything installed; a change re-runs the install step. */
  readonly contentHash: string;
  readonly install: remote.Command;

  constructor(name: string, args: WireGuardHostArgs, opts?: pulumi.ComponentResourceOptions) {
    super("wireguard-monitoring:index:WireGuardHost", name, {}, opts);
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

    const stage = stageDir(args.stack, name);
    const texts = new Map<string, pulumi.Input<string>>(
      placements.filter((p) => p.staged !== BUNDLE_STAGED_NAME).map((p) => [p.staged, p.staged === HOST_FILES.webConfig ? deployedWebConfig : file(p.staged).content]),
    );
    const resourceName = (staged: string) => `${name}-${staged.replace(/[^A-Za-z0-9-]/g, "-")}`;
    const uploads = placements.map((p) =>
      p.staged === BUNDLE_STAGED_NAME
        ? stagedUpload(this, resourceName(p.staged), { connection: args.connection, remotePath: `${stage}/${p.staged}`, source: new pulumi.asset.FileAsset(args.exporterBundle.path), contentHash: args.exporterBundle.sha256 })
        : stagedText(this, resourceName(p.staged), args.connection, `${stage}/${p.staged}`, texts.get(p.staged)!),
    );

    const options = {
      host: name,
      helperUnits: args.userspaceWireGuard ? [HELPER_SOCKET_UNIT] : [],
      installNode: args.installNode,
      placements,
      healthUrl: args.healthUrl,
      healthUser: args.basicAuth?.username,
    };
    const create = installCommand(args.stack, name, installScript(options));
    // Plain contents hash into one visible value; a secret one (the web config with basic auth) is its own, secret, trigger.
    const plain = [...texts.values()].filter((t): t is string => typeof t === "string");
    this.contentHash = sha256([args.exporterBundle.sha256, ...plain.map(sha256), create].join("\n"));
    const secretHashes = [...texts.values()].filter((t) => typeof t !== "string").map((t) => pulumi.output(t).apply(sha256));

    this.install = new remote.Command(`${name}-install`, {
      connection: args.connection,
      create,
      update: create,
      delete: removeCommand(args.stack, name, removeScript(options)),
      // Only the basic-auth password (for polling /health) goes in, on stdin, never in the command line.
      ...(args.basicAuth ? { stdin: pulumi.secret(args.basicAuth.password).apply((pw) => `${pw}\n`) } : {}),
      triggers: [this.contentHash, ...secretHashes],
      addPreviousOutputInEnv: false,
      logging: remote.Logging.Stderr,
    }, { parent: this, dependsOn: uploads, deleteBeforeReplace: true, additionalSecretOutputs: ["stdout", "stderr"] });

    this.registerOutputs({ contentHash: this.contentHash, installed: this.install.stdout });
  }
}
