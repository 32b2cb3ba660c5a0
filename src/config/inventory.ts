// The Inventory: the validated, typed form of one stack's config. Every builder reads only this.
import type { StackConfig, HostConfig, PeerConfig } from "./schema";

export interface Inventory extends StackConfig {
  project: "wireguard-monitoring";
  /** Pulumi stack name (`Pulumi.<stack>.yaml`). */
  stack: string;
  /** The `env` label on every target; defaults to the stack name. */
  environment: string;
}

export type Host = HostConfig;
export type Peer = PeerConfig;

/** The peers WireGuard host `host` serves: those naming it, and host-less peers on one of its interfaces. */
export function peersOnHost(inventory: Inventory, host: Host): Peer[] {
  return inventory.peers.filter(
    (p) => (p.host === undefined || p.host === host.name) && host.interfaces.includes(p.interface),
  );
}

/** Whether the host component installs Node.js from the distribution when it is missing. */
export function installsNode(inventory: Inventory, host: Host): boolean {
  return host.installNode ?? inventory.exporter.installNode;
}
