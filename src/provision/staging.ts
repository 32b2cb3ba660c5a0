// Both components upload into a staging directory, /tmp/wireguard-monitoring-<stack>/<component>/,
// and one remote.Command installs from there as root; its delete removes the installed files and
// the staging directory. The install re-runs when a content hash in its triggers changes.
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { remote } from "@pulumi/command";
import type { Connection } from "./connection";
import { asRoot, shellQuote } from "./shell";

export const sha256 = (text: string | Buffer) => createHash("sha256").update(text).digest("hex");

function stageRoot(stack: string): string {
  return `/tmp/wireguard-monitoring-${stack}`;
}

export function stageDir(stack: string, component: string): string {
  return `${stageRoot(stack)}/${component}`;
}

/** One upload into the staging directory, replaced when `contentHash` changes. */
export function stagedUpload(
  parent: pulumi.Resource,
  name: string,
  args: { connection: Connection; remotePath: string; source: pulumi.Input<pulumi.asset.Asset>; contentHash: pulumi.Input<string> },
): remote.CopyToRemote {
  return new remote.CopyToRemote(name, { connection: args.connection, source: args.source, remotePath: args.remotePath, triggers: [args.contentHash] }, { parent });
}

/** A text upload (secret text stays secret: the asset and the trigger derive from the Output). */
export function stagedText(parent: pulumi.Resource, name: string, connection: Connection, remotePath: string, text: pulumi.Input<string>): remote.CopyToRemote {
  const content = pulumi.output(text);
  return stagedUpload(parent, name, { connection, remotePath, source: content.apply((t) => new pulumi.asset.StringAsset(t)), contentHash: content.apply(sha256) });
}

/**
 * The create/update command: first checks that the staging root is a real directory owned by the
 * SSH user (so no one else could have swapped the uploads), then runs `script` as root with $1 = stage.
 */
export function installCommand(stack: string, component: string, script: string): string {
  const root = shellQuote(stageRoot(stack));
  const check = `if [ -L ${root} ] || [ ! -d ${root} ] || [ ! -O ${root} ]; then echo "wireguard-monitoring: staging directory ${stageRoot(stack)} is not a directory owned by $(id -un); refusing to install from it" >&2; exit 1; fi; chmod 700 ${root}`;
  return `${check}; ${asRoot(script, [stageDir(stack, component)])}`;
}

/** The delete command: `script` as root, then the staging directory goes too. */
export function removeCommand(stack: string, component: string, script: string): string {
  return `${asRoot(script)}; rm -rf ${shellQuote(stageDir(stack, component))}; rmdir ${shellQuote(stageRoot(stack))} 2>/dev/null || true`;
}
