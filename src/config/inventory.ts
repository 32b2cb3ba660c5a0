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
  const { named, unnamed } = peersByHost(inventory);
  const own = named.get(host.name) ?? [];
  // Both lists hold positions in inventory.peers, ascending: merging them keeps the stack file's order.
  const out: Peer[] = [];
  for (let i = 0, j = 0; i < own.length || j < unnamed.length; ) {
    const next = j >= unnamed.length || (i < own.length && own[i] < unnamed[j]) ? own[i++] : unnamed[j++];
    const peer = inventory.peers[next];
    if (host.interfaces.includes(peer.interface)) out.push(peer);
  }
  return out;
}

/**
 * Positions of the peers naming each host, and of those naming none, computed once per peers list:
 * a fleet asks for every host's peers, and scanning all peers per host is O(hosts × peers)
 * (a 1,000-host, 100,000-peer stack spent seconds on it).
 */
interface PeerIndex {
  named: Map<string, number[]>;
  unnamed: number[];
  /** The list's length when indexed: a list grown or shrunk since is indexed anew. */
  length: number;
}

const peerIndex = new WeakMap<readonly Peer[], PeerIndex>();

function peersByHost(inventory: Inventory): PeerIndex {
  let index = peerIndex.get(inventory.peers);
  if (index === undefined || index.length !== inventory.peers.length) {
    const named = new Map<string, number[]>();
    const unnamed: number[] = [];
    inventory.peers.forEach((p, i) => {
      if (p.host === undefined) unnamed.push(i);
      else {
        const list = named.get(p.host);
        if (list) list.push(i);
        else named.set(p.host, [i]);
      }
    });
    index = { named, unnamed, length: inventory.peers.length };
    peerIndex.set(inventory.peers, index);
  }
  return index;
}

/** Whether the host component installs Node.js from the distribution when it is missing. */
export function installsNode(inventory: Inventory, host: Host): boolean {
  return host.installNode ?? inventory.exporter.installNode;
}
