// WireGuardHost: puts one host's artifacts (exporter bundle, systemd unit, peers file, web config,
// wg helper, Filebeat inputs) onto the machine. Two resources: the bundle upload, and one Command
// that receives every other file on stdin, installs them where their placement says and (re)starts
// the exporter only when a file that needs it changed; its delete removes all of it.
import { posix } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { remote } from "@pulumi/command";
import type { Artifact, Placement } from "../build/artifact";
import { basicAuthHash, withBasicAuthUser } from "../build/hosts/web-config";
import type { Connection } from "./connection";
import type { Deployment } from "./deployment";
import type { ExporterBundle } from "./exporter-bundle";
import { HEALTH_PASSWORD_FILE, hostServices, installScript, removeScript } from "./host-scripts";
import { installStep } from "./install-step";
import type { PlacedFile } from "./put-file";
import { asRoot, shellQuote } from "./shell";

export interface WireGuardHostArgs {
  stack: string;
  /** `address:port` of the SSH target (see machineOf). */
  machine: string;
  connection: Connection;
  /** This host's artifacts; each one with a placement is installed there. */
  artifacts: Artifact[];
  /** The bundle and where it goes (EXPORTER_BUNDLE). */
  exporterBundle: ExporterBundle & { placement: Placement };
  installNode: boolean;
  healthUrl: string;
  basicAuth?: { username: string; password: pulumi.Output<string> };
}

/**
 * Uploads go below the SSH user's home (a relative remotePath: SFTP resolves it there), which only
 * that user can write to; the install step checks the bundle's sha256 before installing it anyway.
 */
function uploadDir(stack: string): string {
  return `.wireguard-monitoring/${stack}`;
}

export class WireGuardHost extends pulumi.ComponentResource {
  readonly bundleUpload: remote.CopyToRemote;
  readonly install: remote.Command;

  constructor(name: string, args: WireGuardHostArgs, opts?: pulumi.ComponentResourceOptions) {
    super("wireguard-monitoring:index:WireGuardHost", name, {}, opts);
    const deployment: Deployment = { stack: args.stack, component: name, role: "exporter", machine: args.machine };
    const placed = args.artifacts.filter(
      (a): a is Artifact & Required<Pick<Artifact, "placement">> => a.placement !== undefined,
    );
    const files: PlacedFile[] = placed.map((a) => ({ name: posix.basename(a.path), placement: a.placement }));

    // The one secret added here: the file that asks for it gets the bcrypt hash of the basic-auth
    // password, and the install step the password itself, to call /health.
    const auth = args.basicAuth;
    const filled = (a: Artifact): pulumi.Input<string> => {
      if (a.deployFills !== "basic-auth-users") return a.content;
      if (!auth)
        throw new Error(`host ${name}: ${a.path} takes the basic-auth users, and no basic-auth password was given`);
      const hashed = (pw: string) =>
        withBasicAuthUser(a.content, auth.username, basicAuthHash(pw, `${args.stack}/${name}`));
      return pulumi.secret(auth.password).apply(hashed);
    };
    const onStdin: { name: string; content: pulumi.Input<string> }[] = placed.map((a, i) => ({
      name: files[i]!.name,
      content: filled(a),
    }));
    if (auth)
      onStdin.push({ name: HEALTH_PASSWORD_FILE, content: pulumi.secret(auth.password).apply((pw) => `${pw}\n`) });

    // CopyToRemote (provider/pkg/provider/remote/copyController.go:137-154, pulumi-command v1.2.1):
    // an update copies only when the source's hash or remotePath changed; it has no delete. The
    // path names the build, so a new build is a new file; the machine in triggers makes a move a replace.
    const remotePath = `${uploadDir(args.stack)}/wireguard-exporter-${args.exporterBundle.sha256.slice(0, 16)}.cjs`;
    this.bundleUpload = new remote.CopyToRemote(
      `${name}-exporter-bundle`,
      {
        connection: args.connection,
        source: new pulumi.asset.FileAsset(args.exporterBundle.path),
        remotePath,
        triggers: [args.machine],
      },
      { parent: this },
    );

    const options = {
      host: name,
      deployment,
      installNode: args.installNode,
      files,
      bundle: { sha256: args.exporterBundle.sha256, placement: args.exporterBundle.placement },
      healthUrl: args.healthUrl,
      healthUser: args.basicAuth?.username,
    };
    this.install = installStep(this, `${name}-exporter`, {
      connection: args.connection,
      machine: args.machine,
      install: asRoot(installScript(options), [`"$HOME"/${shellQuote(remotePath)}`]),
      remove: asRoot(removeScript(options), [`"$HOME"/${shellQuote(uploadDir(args.stack))}`]),
      files: onStdin,
      dependsOn: [this.bundleUpload],
    });

    this.registerOutputs({ service: hostServices(options).main, installed: this.install.stdout });
  }
}
