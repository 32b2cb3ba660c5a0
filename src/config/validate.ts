// Turns raw stack config values into an Inventory, or into every error at once.
import { fromZodIssues, keyPath, type ConfigError } from "./errors";
import { durationSeconds } from "./durations";
import type { Inventory } from "./inventory";
import { inPeersFile, withPeersFile } from "./peers-file";
import { stackConfigSchema, type StackConfig } from "./schema";
import { sshHostKeyType } from "./validators";

export type ValidationResult = { ok: true; inventory: Inventory } | { ok: false; errors: ConfigError[] };

/** Labels the scrape config sets itself; a host may not override them. */
const RESERVED_LABELS = new Set(["host", "env", "job", "instance", "interface", "public_key", "allowed_ips", "friendly_name"]);

/**
 * `projectDir` is where a `peersFile` is read from: the stack file's directory (the program's
 * working directory under Pulumi).
 */
export function validateStackConfig(rawConfig: Record<string, unknown>, stack: string, projectDir: string = process.cwd()): ValidationResult {
  // A peers file that cannot be read is one error; the rest of the config is still checked.
  const withPeers = withPeersFile(rawConfig, projectDir);
  const { peersFile: _, ...withoutFile } = rawConfig;
  const raw = withPeers.ok ? withPeers.values : withoutFile;
  const fileErrors = withPeers.ok ? [] : withPeers.errors;
  const located = (errors: ConfigError[]) => [...fileErrors, ...(withPeers.ok && withPeers.source !== undefined ? inPeersFile(errors, withPeers.source) : errors)];
  const parsed = stackConfigSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) return { ok: false, errors: located([...fromZodIssues(parsed.error.issues), ...crossChecks(validParts(raw))]) };
  const errors = located(crossChecks(parsed.data));
  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    inventory: { ...parsed.data, project: "wireguard-monitoring", stack, environment: parsed.data.environment || stack },
  };
}

/**
 * The command provider (pulumi-command 1.2.1, provider/pkg/provider/remote/connection.go, SSHConfig)
 * offers the SSH server only the pinned key's type as host-key algorithm. For an RSA key that is
 * "ssh-rsa", the SHA-1 signature OpenSSH 8.8 and later refuse by default, so no connection succeeds.
 */
function rsaHostKeyRefused(address: string): string {
  return (
    "ssh-rsa host keys cannot be used: the command provider then offers only the ssh-rsa (SHA-1) host-key algorithm, " +
    `which OpenSSH 8.8 and later refuse, so the connection would always fail; pin the host's ed25519 key instead (ssh-keyscan -t ed25519 ${address}; an ecdsa key also works)`
  );
}

/** The keys the checks across keys read; a key is absent when its value is not valid on its own. */
type CheckedParts = Partial<Pick<StackConfig, "hosts" | "peers" | "prometheus" | "allowUnpinnedHostKeys">>;

/**
 * With some keys in error, the checks across keys still run on the top-level keys that are valid on
 * their own, so that one run reports every error (a peer naming a missing host beside a bad path).
 */
function validParts(raw: Record<string, unknown>): CheckedParts {
  const shape = stackConfigSchema.shape;
  const hosts = shape.hosts.safeParse(raw.hosts);
  const peers = shape.peers.safeParse(raw.peers);
  const prometheus = shape.prometheus.safeParse(raw.prometheus);
  const allow = shape.allowUnpinnedHostKeys.safeParse(raw.allowUnpinnedHostKeys);
  return {
    hosts: hosts.success ? hosts.data : undefined,
    peers: peers.success ? peers.data : undefined,
    prometheus: prometheus.success ? prometheus.data : undefined,
    allowUnpinnedHostKeys: allow.success ? allow.data : undefined,
  };
}

/** Rules that span several keys: uniqueness, references between peers and hosts, pinned keys. */
function crossChecks(config: CheckedParts): ConfigError[] {
  const errors: ConfigError[] = [];
  const err = (path: PropertyKey[], message: string) => errors.push({ path: keyPath(path), message });

  const hostIndex = new Map<string, number>();
  const unpinnedRefused = config.allowUnpinnedHostKeys === false;
  config.hosts?.forEach((host, i) => {
    const first = hostIndex.get(host.name);
    if (first !== undefined) err(["hosts", i, "name"], `duplicate host name "${host.name}" (also hosts[${first}])`);
    else hostIndex.set(host.name, i);
    const seen = new Set<string>();
    host.interfaces.forEach((name, j) => {
      if (seen.has(name)) err(["hosts", i, "interfaces", j], `duplicate interface "${name}"`);
      seen.add(name);
    });
    for (const label of Object.keys(host.labels)) {
      if (RESERVED_LABELS.has(label)) err(["hosts", i, "labels", label], `label "${label}" is set by wireguard-monitoring itself`);
    }
    if (!host.ssh.hostKey && unpinnedRefused) {
      err(["hosts", i, "ssh", "hostKey"], `is required: pin the host's SSH key (ssh-keyscan -t ed25519 ${host.address}), or set ${keyPath(["allowUnpinnedHostKeys"])}: true`);
    }
    if (host.ssh.hostKey && sshHostKeyType(host.ssh.hostKey) === "ssh-rsa") err(["hosts", i, "ssh", "hostKey"], rsaHostKeyRefused(host.address));
  });

  const keyIndex = new Map<string, number>();
  const hosts = config.hosts;
  config.peers?.forEach((peer, i) => {
    const first = keyIndex.get(peer.publicKey);
    if (first !== undefined) err(["peers", i, "publicKey"], `duplicate public key (also peers[${first}])`);
    else keyIndex.set(peer.publicKey, i);
    if (hosts === undefined) return;
    if (peer.host !== undefined) {
      const h = hostIndex.get(peer.host);
      if (h === undefined) {
        err(["peers", i, "host"], `no host named "${peer.host}" (hosts: ${[...hostIndex.keys()].join(", ")})`);
      } else if (!hosts[h].interfaces.includes(peer.interface)) {
        err(["peers", i, "interface"], `host "${peer.host}" has no interface "${peer.interface}" (it has ${hosts[h].interfaces.join(", ")})`);
      }
    } else if (!hosts.some((h) => h.interfaces.includes(peer.interface))) {
      err(["peers", i, "interface"], `no host has interface "${peer.interface}"`);
    }
  });

  const p = config.prometheus;
  if (p === undefined) return errors;
  if (durationSeconds(p.scrapeTimeout) > durationSeconds(p.scrapeInterval)) {
    err(["prometheus", "scrapeTimeout"], `must not be longer than prometheus.scrapeInterval (${p.scrapeInterval}), got "${p.scrapeTimeout}"`);
  }
  if (!p.ssh.hostKey && unpinnedRefused) {
    err(["prometheus", "ssh", "hostKey"], `is required: pin the Prometheus server's SSH key (ssh-keyscan -t ed25519 ${p.address}), or set ${keyPath(["allowUnpinnedHostKeys"])}: true`);
  }
  if (p.ssh.hostKey && sshHostKeyType(p.ssh.hostKey) === "ssh-rsa") err(["prometheus", "ssh", "hostKey"], rsaHostKeyRefused(p.address));
  return errors;
}
