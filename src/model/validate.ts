// Turns raw stack config values into an Inventory, or into every error at once.
import { fromZodIssues, keyPath, type ConfigError } from "./errors";
import { durationSeconds } from "./durations";
import { inventoryOf, prometheusServersOf, type Inventory } from "./inventory";
import { inPeersFile, withPeersFile } from "./peers-file";
import { stackConfigSchema, type StackConfig } from "./schema";
import { sshHostKeyType } from "./validators";

export type ValidationResult = { ok: true; inventory: Inventory } | { ok: false; errors: ConfigError[] };

/** Labels the scrape config sets itself; a host may not override them. */
const RESERVED_LABELS = new Set([
  "host",
  "env",
  "replica",
  "job",
  "instance",
  "interface",
  "public_key",
  "allowed_ips",
  "friendly_name",
]);

/**
 * `projectDir` is where a `peersFile` is read from: the stack file's directory (the program's
 * working directory under Pulumi).
 */
export function validateStackConfig(
  rawConfig: Record<string, unknown>,
  stack: string,
  projectDir: string = process.cwd(),
): ValidationResult {
  // A peers file that cannot be read is one error; the rest of the config is still checked.
  const withPeers = withPeersFile(rawConfig, projectDir);
  const { peersFile: _, ...withoutFile } = rawConfig;
  const raw = withPeers.ok ? withPeers.values : withoutFile;
  const fileErrors = withPeers.ok ? [] : withPeers.errors;
  const located = (errors: ConfigError[]) => [
    ...fileErrors,
    ...(withPeers.ok && withPeers.source !== undefined ? inPeersFile(errors, withPeers.source) : errors),
  ];
  const parsed = stackConfigSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success)
    return { ok: false, errors: located([...fromZodIssues(parsed.error.issues), ...crossChecks(validParts(raw))]) };
  const errors = located(crossChecks(parsed.data));
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, inventory: inventoryOf(parsed.data, stack) };
}

/**
 * The command provider (pulumi-command 1.2.1, provider/pkg/provider/remote/connection.go, SSHConfig)
 * offers the SSH server only the pinned key's type as host-key algorithm. For an RSA key that is
 * "ssh-rsa", the SHA-1 signature OpenSSH 8.8 and later refuse by default, so no connection succeeds.
 */
function rsaHostKeyRefused(address: string): string {
  return (
    "ssh-rsa host keys cannot be used: the command provider then offers only the ssh-rsa (SHA-1) host-key algorithm, " +
    `which OpenSSH 8.8 and later refuse, so the connection would always fail; pin the ` +
    `host's ed25519 key instead (ssh-keyscan -t ed25519 ${address}; an ecdsa key also works)`
  );
}

/** The keys the checks across keys read; a key is absent when its value is not valid on its own. */
type CheckedParts = Partial<
  Pick<StackConfig, "hosts" | "peers" | "prometheus" | "allowUnpinnedHostKeys" | "alerting" | "remoteWrite">
>;

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
  const alerting = shape.alerting.safeParse(raw.alerting);
  const remoteWrite = shape.remoteWrite.safeParse(raw.remoteWrite);
  return {
    hosts: hosts.success ? hosts.data : undefined,
    peers: peers.success ? peers.data : undefined,
    prometheus: prometheus.success ? prometheus.data : undefined,
    allowUnpinnedHostKeys: allow.success ? allow.data : undefined,
    alerting: alerting.success ? alerting.data : undefined,
    remoteWrite: remoteWrite.success ? remoteWrite.data : undefined,
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
      if (RESERVED_LABELS.has(label))
        err(["hosts", i, "labels", label], `label "${label}" is set by wireguard-monitoring itself`);
    }
    if (!host.ssh.hostKey && unpinnedRefused) {
      err(
        ["hosts", i, "ssh", "hostKey"],
        `is required: pin the host's SSH key (ssh-keyscan -t ` +
          `ed25519 ${host.address}), or set ${keyPath(["allowUnpinnedHostKeys"])}: true`,
      );
    }
    if (host.ssh.hostKey && sshHostKeyType(host.ssh.hostKey) === "ssh-rsa")
      err(["hosts", i, "ssh", "hostKey"], rsaHostKeyRefused(host.address));
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
        err(
          ["peers", i, "interface"],
          `host "${peer.host}" has no interface "${peer.interface}" (it has ${hosts[h].interfaces.join(", ")})`,
        );
      }
    } else if (!hosts.some((h) => h.interfaces.includes(peer.interface))) {
      err(["peers", i, "interface"], `no host has interface "${peer.interface}"`);
    }
  });

  if (config.prometheus !== undefined)
    errors.push(...prometheusServerErrors(config.prometheus, config.hosts, unpinnedRefused));
  if (config.alerting !== undefined) errors.push(...alertmanagerErrors(config.alerting));
  if (config.remoteWrite !== undefined) errors.push(...remoteWriteErrors(config.remoteWrite));
  return errors;
}

/** A canonical text of a `scrapes` map: servers with equal ones scrape the same hosts. */
const scrapesKey = (scrapes: Readonly<Record<string, string>>) =>
  JSON.stringify(Object.entries(scrapes).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/**
 * Each server on its own (timeout, pinned key) and the servers together: unique names and machines,
 * one job name, every host scraped, and hosts shared only within an HA group (equal `scrapes`, each its own `replica`).
 */
function prometheusServerErrors(
  prometheus: StackConfig["prometheus"],
  hosts: StackConfig["hosts"] | undefined,
  unpinnedRefused: boolean,
): ConfigError[] {
  const errors: ConfigError[] = [];
  const servers = prometheusServersOf(prometheus, hosts ?? []);
  const at = (i: number, ...rest: PropertyKey[]): PropertyKey[] =>
    Array.isArray(prometheus) ? ["prometheus", i, ...rest] : ["prometheus", ...rest];
  const named = (i: number) => keyPath(at(i)).replace(/^[^:]*:/, "");
  const err = (path: PropertyKey[], message: string) => errors.push({ path: keyPath(path), message });
  const names = new Map<string, number>();
  const machines = new Map<string, number>();
  servers.forEach((p, i) => {
    if (durationSeconds(p.scrapeTimeout) > durationSeconds(p.scrapeInterval)) {
      err(
        at(i, "scrapeTimeout"),
        `must not be longer than ${named(i)}.scrapeInterval (${p.scrapeInterval}), got "${p.scrapeTimeout}"`,
      );
    }
    if (!p.ssh.hostKey && unpinnedRefused) {
      const allow = keyPath(["allowUnpinnedHostKeys"]);
      err(
        at(i, "ssh", "hostKey"),
        `is required: pin the Prometheus server's SSH key (ssh-keyscan -t ed25519 ${p.address}), or set ${allow}: true`,
      );
    }
    if (p.ssh.hostKey && sshHostKeyType(p.ssh.hostKey) === "ssh-rsa")
      err(at(i, "ssh", "hostKey"), rsaHostKeyRefused(p.address));
    const sameName = names.get(p.name);
    if (sameName !== undefined)
      err(at(i, "name"), `duplicate Prometheus server name "${p.name}" (also ${named(sameName)})`);
    else names.set(p.name, i);
    const machine = `${p.address}:${p.ssh.port}`;
    const sameMachine = machines.get(machine);
    if (sameMachine !== undefined) {
      const why = "two servers on one machine would overwrite each other's prometheus.yml, targets and rules";
      err(at(i, "address"), `${machine} is also ${named(sameMachine)}: ${why}`);
    } else machines.set(machine, i);
    if (i > 0 && p.jobName !== servers[0]!.jobName) {
      err(
        at(i, "jobName"),
        `must equal ${named(0)}.jobName ("${servers[0]!.jobName}"): ` +
          `the rules and dashboards select one job, got "${p.jobName}"`,
      );
    }
    if (hosts !== undefined && p.hosts.length === 0)
      err(at(i, "scrapes"), `matches no host (no host's labels hold ${describeScrapes(p.scrapes)})`);
  });
  if (hosts === undefined) return errors;
  hosts.forEach((host, h) => {
    if (!servers.some((p) => p.hosts.includes(host))) {
      const wanted = servers.map((p, i) => `${named(i)}.scrapes ${describeScrapes(p.scrapes)}`).join("; ");
      err(["hosts", h], `host "${host.name}" is scraped by no Prometheus server (${wanted})`);
    }
  });
  // Each server against those before it; the first conflict found is its error.
  servers.forEach((p, j) => {
    for (let i = 0; i < j; i++) {
      const q = servers[i]!;
      const shared = p.hosts.filter((h) => q.hosts.includes(h));
      if (shared.length === 0) continue;
      if (scrapesKey(p.scrapes) !== scrapesKey(q.scrapes)) {
        const names = shared.map((h) => h.name).join(", ");
        err(
          at(j, "scrapes"),
          `scrapes ${names} like ${named(i)}; servers may share hosts ` +
            `only as an HA group (equal scrapes, each its own replica)`,
        );
      } else if (p.replica === undefined || q.replica === undefined) {
        const why =
          `${named(i)} and ${named(j)} scrape the same hosts, ` +
          `which makes them an HA group; give each its own replica`;
        err(at(p.replica === undefined ? j : i, "replica"), `is required: ${why}`);
      } else if (p.replica === q.replica) {
        err(at(j, "replica"), `duplicate replica "${p.replica}" in the HA group with ${named(i)}`);
      } else continue;
      break;
    }
  });
  return errors;
}

const describeScrapes = (scrapes: Readonly<Record<string, string>>) =>
  Object.keys(scrapes).length === 0
    ? "{} (every host)"
    : `{${Object.entries(scrapes)
        .map(([k, v]) => `${k}: ${JSON.stringify(v)}`)
        .join(", ")}}`;

/** Each Alertmanager entry: URLs or a file_sd file, URLs of one entry sharing scheme and path. */
function alertmanagerErrors(alerting: StackConfig["alerting"]): ConfigError[] {
  const errors: ConfigError[] = [];
  const err = (path: PropertyKey[], message: string) => errors.push({ path: keyPath(path), message });
  alerting.alertmanagers.forEach((am, i) => {
    const at = ["alerting", "alertmanagers", i];
    if (am.urls === undefined && am.fileSd === undefined)
      err(at, "expected urls (a list of Alertmanager URLs) or fileSd (a file listing them)");
    if (am.urls !== undefined && am.fileSd !== undefined)
      err([...at, "fileSd"], "give either urls or fileSd, not both");
    if (am.urls === undefined) return;
    for (const key of ["scheme", "pathPrefix"] as const) {
      if (am[key] !== undefined) err([...at, key], "comes from the URLs; set it only with fileSd");
    }
    const first = new URL(am.urls[0]!);
    const seen = new Set<string>();
    am.urls.forEach((text, j) => {
      const url = new URL(text);
      if (seen.has(url.host)) err([...at, "urls", j], `duplicate Alertmanager ${url.host}`);
      seen.add(url.host);
      if (url.protocol !== first.protocol || url.pathname !== first.pathname) {
        const why = "Prometheus sets them once per entry; list it in another entry";
        err(
          [...at, "urls", j],
          `must have the scheme and path of urls[0] ` +
            `(${first.protocol}//…${first.pathname}): ${why}, got ${JSON.stringify(text)}`,
        );
      }
    });
  });
  return errors;
}

/**
 * remote_write entries Prometheus would refuse together: duplicate
 * names, or one URL twice without names to tell them apart.
 */
function remoteWriteErrors(remoteWrite: StackConfig["remoteWrite"]): ConfigError[] {
  const errors: ConfigError[] = [];
  const names = new Map<string, number>();
  const urls = new Map<string, number>();
  remoteWrite.forEach((w, i) => {
    if (w.name !== undefined) {
      const first = names.get(w.name);
      if (first !== undefined) {
        errors.push({
          path: keyPath(["remoteWrite", i, "name"]),
          message: `duplicate name "${w.name}" (also remoteWrite[${first}])`,
        });
      } else names.set(w.name, i);
    }
    const first = urls.get(w.url);
    if (first !== undefined && (w.name === undefined || remoteWrite[first]!.name === undefined)) {
      errors.push({
        path: keyPath(["remoteWrite", i, "url"]),
        message: `the same URL as remoteWrite[${first}]: give both a name to send to it twice`,
      });
    } else if (first === undefined) urls.set(w.url, i);
  });
  return errors;
}
