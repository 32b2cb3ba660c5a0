// SSH connection settings for remote.CopyToRemote / remote.Command. The command provider checks
// no host key unless it is given one, so a pinned key is required unless the stack opts out.
import * as pulumi from "@pulumi/pulumi";
import type { types } from "@pulumi/command";
import type { Host, Inventory } from "../model/index";

export type Connection = types.input.remote.ConnectionArgs;

export interface SshTarget {
  /** What the target is called in messages, e.g. `host vpn-fra-1`. */
  label: string;
  address: string;
  ssh: Host["ssh"];
}

/** The machine a target reaches, as `address:port`; a change of it is a move to another machine. */
export function machineOf(target: Pick<SshTarget, "address" | "ssh">): string {
  return `${target.address}:${target.ssh.port}`;
}

export function sshConnection(inventory: Inventory, target: SshTarget, privateKey: pulumi.Output<string>): Connection {
  if (!target.ssh.hostKey) {
    if (!inventory.allowUnpinnedHostKeys)
      throw new Error(`${target.label}: ssh.hostKey is required (allowUnpinnedHostKeys is not set)`);
    pulumi.log.warn(
      `${target.label}: SSH host key not pinned (allowUnpinnedHostKeys: true); the connection is not authenticated`,
    );
  }
  return {
    host: target.address,
    port: target.ssh.port,
    user: target.ssh.user,
    privateKey: pulumi.secret(privateKey),
    ...(target.ssh.hostKey ? { hostKey: target.ssh.hostKey.trim() } : {}),
    perDialTimeout: 15,
    dialErrorLimit: 5,
  };
}
