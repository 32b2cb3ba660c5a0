// The Inventory: the validated, typed form of one stack's config. Every builder reads only this.
import type { HostConfig, PeerConfig, PrometheusServerConfig, StackConfig } from "./schema";

export type Host = HostConfig;
export type Peer = PeerConfig;

/** The name of the one server a stack gives as a map (its component's name and its out/ directory). */
export const SINGLE_PROMETHEUS_NAME = "prometheus";

/** One Prometheus server with the hosts it scrapes; a stack's single map is one of these too. */
export interface PrometheusServer extends PrometheusServerConfig {
  /** "prometheus" for a stack's single map; the list entry's name otherwise. */
  name: string;
  /**
   * Whether it comes from a list (artifacts under prometheus/<name>/) rather than the single map (under prometheus/).
   */
  listed: boolean;
  /** The artifacts' directory under out/<stack>/: "prometheus" or "prometheus/<name>". */
  outDir: string;
  /** Host label pairs a host needs to be scraped by it; empty: every host. */
  scrapes: Readonly<Record<string, string>>;
  /** Its `replica` external label, in an HA group. */
  replica?: string;
  /** The WireGuard hosts it scrapes, in the stack's order. */
  hosts: Host[];
}

export interface Inventory extends Omit<StackConfig, "prometheus"> {
  project: "wireguard-monitoring";
  /** Pulumi stack name (`Pulumi.<stack>.yaml`). */
  stack: string;
  /** The `env` label on every target; defaults to the stack name. */
  environment: string;
  /** Every Prometheus server, in the stack's order: one for a stack that gives `prometheus` as a map. */
  prometheusServers: PrometheusServer[];
  /**
   * The first server: the only one unless the stack lists several. Settings every server shares
   * (jobName, validated equal) may be read here; anything per server reads prometheusServers.
   */
  prometheus: PrometheusServer;
}

/** Whether a host's labels hold every pair of `scrapes`. */
function scrapesHost(scrapes: Readonly<Record<string, string>>, host: Host): boolean {
  return Object.entries(scrapes).every(([label, value]) => host.labels[label] === value);
}

/** The stack's `prometheus` value as servers, each with the hosts it scrapes. */
export function prometheusServersOf(prometheus: StackConfig["prometheus"], hosts: readonly Host[]): PrometheusServer[] {
  if (!Array.isArray(prometheus)) {
    return [
      {
        ...prometheus,
        name: SINGLE_PROMETHEUS_NAME,
        listed: false,
        outDir: "prometheus",
        scrapes: {},
        hosts: [...hosts],
      },
    ];
  }
  return prometheus.map(({ name, scrapes = {}, replica, ...settings }) => ({
    ...settings,
    name,
    listed: true,
    outDir: `prometheus/${name}`,
    scrapes,
    ...(replica !== undefined ? { replica } : {}),
    hosts: hosts.filter((h) => scrapesHost(scrapes, h)),
  }));
}

/** The Inventory of a valid config. */
export function inventoryOf(config: StackConfig, stack: string): Inventory {
  const prometheusServers = prometheusServersOf(config.prometheus, config.hosts);
  return {
    ...config,
    project: "wireguard-monitoring",
    stack,
    environment: config.environment || stack,
    prometheusServers,
    prometheus: prometheusServers[0]!,
  };
}

/** The peers WireGuard host `host` serves: those naming it, and host-less peers on one of its interfaces. */
export function peersOnHost(inventory: Inventory, host: Host): Peer[] {
  const { named, unnamed } = peersByHost(inventory);
  const own = named.get(host.name) ?? [];
  // Both lists hold positions in inventory.peers, ascending: merging them keeps the stack file's order.
  const out: Peer[] = [];
  for (let i = 0, j = 0; i < own.length || j < unnamed.length;) {
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
