// Every kind of bad stack config gets a message naming the key path, a non-zero exit, and no files.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dump } from "js-yaml";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/run";

const KEY_A = "XKiqzxysok0yJLo7RcTi80u07KFgN2KQPUMV4+R2zT4=";
const KEY_B = "oOq43byKsSojz47t6h8RpOPUC/BTqGr9F6INZJcvCCU=";
const HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIC5T7KVG0Jx6Chq6Q/n3wk+i3HXNcS4lpuw+hW1BxRka";
const RSA_HOST_KEY =
  "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQCwA8lbOn1oMROL17HhV7qHbqZxg9HNsF9c64qwfZMvIol91MwOStmBExRnU" +
  "+oMpi7BSi6zD+dN6Pu8pF0vRF7ClYLEqyZXW2k3BYk4DXhDEz0h7RVOOiygfGgJ0lhQTzuCDeEoOJfKGs0xUuBruKXjXs73" +
  "CGwRXaKeGv228t5H7R89jcLf0k7VJrGevq4ub2tdSKjv9hZ0QiyJcjgQFuWEZnCnbMsVcK/6yz/" +
  "Qx0LpIlxaFbiwyNtxVFDiCv2eDlL7OCsqsflFIyz//pFP8/J3WlbeiScOcmXUCg2zmxcvOB9vRDqo+6FX0ITA97sAFz4+" +
  "epT0mXW35lE/MhcnACJj";

type Config = Record<string, unknown>;

/** A small valid stack; each case below breaks one thing in a copy of it. */
function validConfig(): Config {
  return {
    hosts: [
      { name: "vpn-a", address: "203.0.113.10", ssh: { hostKey: HOST_KEY }, interfaces: ["wg0"] },
      { name: "vpn-b", address: "vpn-b.example.net", ssh: { hostKey: HOST_KEY }, interfaces: ["wg0", "wg1"] },
    ],
    peers: [
      { publicKey: KEY_A, friendlyName: "alice", host: "vpn-a", interface: "wg0", expected: true },
      { publicKey: KEY_B, friendlyName: "bob", host: "vpn-b", interface: "wg1" },
    ],
    prometheus: { address: "203.0.113.20", ssh: { hostKey: HOST_KEY } },
  };
}

const hosts = (c: Config) => c.hosts as Array<Record<string, any>>;
const peers = (c: Config) => c.peers as Array<Record<string, any>>;

interface Case {
  name: string;
  edit: (c: Config) => void;
  /** Each expected line, as printed: `wireguard-monitoring:<path>: <message start>`. */
  expected: string[];
  /** Raw stack file text instead of an edited config. */
  raw?: string;
}

const P = "wireguard-monitoring:";
const cases: Case[] = [
  {
    name: "empty host address",
    edit: (c) => (hosts(c)[1].address = ""),
    expected: [`${P}hosts[1].address: expected an IP address or host name, got ""`],
  },
  {
    name: "host address with spaces",
    edit: (c) => (hosts(c)[0].address = "vpn a.example"),
    expected: [`${P}hosts[0].address: expected an IP address or host name, got "vpn a.example"`],
  },
  {
    name: "duplicate host names",
    edit: (c) => (hosts(c)[1].name = "vpn-a"),
    expected: [`${P}hosts[1].name: duplicate host name "vpn-a" (also hosts[0])`],
  },
  {
    name: "malformed public key",
    edit: (c) => (peers(c)[1].publicKey = "not-a-key"),
    expected: [`${P}peers[1].publicKey: expected a WireGuard public key`],
  },
  {
    name: "public key of 31 bytes",
    edit: (c) => (peers(c)[0].publicKey = Buffer.alloc(31, 1).toString("base64")),
    expected: [`${P}peers[0].publicKey: expected a WireGuard public key`],
  },
  {
    name: "duplicate public key",
    edit: (c) => (peers(c)[1].publicKey = KEY_A),
    expected: [`${P}peers[1].publicKey: duplicate public key (also peers[0])`],
  },
  { name: "unknown top-level key", edit: (c) => (c.hostz = []), expected: [`${P}hostz: unknown key`] },
  {
    name: "unknown nested key",
    edit: (c) => (hosts(c)[0].adress = "x"),
    expected: [`${P}hosts[0].adress: unknown key`],
  },
  {
    name: "peer on an interface no host has",
    edit: (c) => {
      delete peers(c)[0].host;
      peers(c)[0].interface = "wg7";
    },
    expected: [`${P}peers[0].interface: no host has interface "wg7"`],
  },
  {
    name: "peer on an interface its host lacks",
    edit: (c) => (peers(c)[0].interface = "wg1"),
    expected: [`${P}peers[0].interface: host "vpn-a" has no interface "wg1" (it has wg0)`],
  },
  {
    name: "peer on an unknown host",
    edit: (c) => (peers(c)[1].host = "vpn-z"),
    expected: [`${P}peers[1].host: no host named "vpn-z" (hosts: vpn-a, vpn-b)`],
  },
  { name: "no hosts at all", edit: (c) => delete c.hosts, expected: [`${P}hosts: is required (expected array)`] },
  { name: "SSH port out of range", edit: (c) => (hosts(c)[0].ssh.port = 70000), expected: [`${P}hosts[0].ssh.port: `] },
  {
    name: "unpinned SSH host key",
    edit: (c) => delete hosts(c)[1].ssh.hostKey,
    expected: [`${P}hosts[1].ssh.hostKey: is required: pin the host's SSH key`],
  },
  {
    name: "malformed SSH host key",
    edit: (c) => (hosts(c)[0].ssh.hostKey = "AAAA"),
    expected: [`${P}hosts[0].ssh.hostKey: expected an OpenSSH public host key`],
  },
  {
    name: "bad duration",
    edit: (c) => ((c.prometheus as any).scrapeInterval = "30 seconds"),
    expected: [
      `${P}prometheus.scrapeInterval: expected a duration such as "30s", "5m", "1h30m" or "1d", got "30 seconds"`,
    ],
  },
  {
    name: "duration Prometheus cannot read",
    edit: (c) => ((c.prometheus as any).scrapeInterval = "1.5m"),
    expected: [`${P}prometheus.scrapeInterval: expected a duration Prometheus accepts`],
  },
  {
    name: "collector timeout longer than the exporter takes",
    edit: (c) => (c.exporter = { collectorTimeout: "30d" }),
    expected: [
      `${P}exporter.collectorTimeout: must be at most 2147483647ms (the exporter's --collector.timeout), got "30d"`,
    ],
  },
  {
    name: "ssh-rsa host key",
    edit: (c) => (hosts(c)[1].ssh.hostKey = RSA_HOST_KEY),
    expected: [`${P}hosts[1].ssh.hostKey: ssh-rsa host keys cannot be used`],
  },
  {
    name: "scrape timeout longer than interval",
    edit: (c) => Object.assign(c.prometheus as object, { scrapeInterval: "15s", scrapeTimeout: "20s" }),
    expected: [`${P}prometheus.scrapeTimeout: must not be longer than prometheus.scrapeInterval (15s), got "20s"`],
  },
  {
    name: "unknown reload method",
    edit: (c) => ((c.prometheus as any).reload = "restart"),
    expected: [`${P}prometheus.reload: expected one of "http", "sighup", "systemctl", got "restart"`],
  },
  {
    name: "grafana url not a URL",
    edit: (c) => (c.grafana = { url: "grafana" }),
    expected: [
      `${P}grafana.url: expected an http:// or https:// URL without ` +
        `user:password@, "#" or quotes (RFC 3986 characters only), got "grafana"`,
    ],
  },
  {
    name: "expected given as a string",
    edit: (c) => (peers(c)[0].expected = "yes"),
    expected: [`${P}peers[0].expected: expected boolean, got "yes"`],
  },
  {
    name: "empty friendly name",
    edit: (c) => (peers(c)[1].friendlyName = " "),
    expected: [`${P}peers[1].friendlyName: expected a non-empty string`],
  },
  {
    name: "reserved target label",
    edit: (c) => (hosts(c)[0].labels = { env: "x" }),
    expected: [`${P}hosts[0].labels.env: label "env" is set by wireguard-monitoring itself`],
  },
  {
    name: "interface name too long",
    edit: (c) => (hosts(c)[0].interfaces = ["wireguard-interface0"]),
    expected: [`${P}hosts[0].interfaces[0]: expected an interface name`],
  },
  {
    name: "negative bandwidth threshold",
    edit: (c) => (c.thresholds = { highBandwidthBytesPerSecond: -1 }),
    expected: [`${P}thresholds.highBandwidthBytesPerSecond: `],
  },
  {
    name: "secret given as plain text",
    edit: (c) => (c.sshPrivateKey = "-----BEGIN OPENSSH PRIVATE KEY-----"),
    expected: [`${P}sshPrivateKey: is a secret: set it with \`pulumi config set --secret sshPrivateKey\``],
  },
  {
    name: "several errors are all reported at once",
    edit: (c) => {
      hosts(c)[0].address = "";
      peers(c)[1].publicKey = "short";
      c.bogus = 1;
    },
    expected: [`${P}hosts[0].address: `, `${P}peers[1].publicKey: `, `${P}bogus: unknown key`],
  },
  {
    name: "invalid YAML names file and line",
    edit: () => {},
    raw: "config:\n  wireguard-monitoring:hosts:\n    - name: a\n   bad: [\n",
    expected: ["Pulumi.bad.yaml:4:4: not valid YAML: bad indentation"],
  },
];

const work = mkdtempSync(join(tmpdir(), "wgm-config-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function stackFileText(config: Config): string {
  return dump({ config: Object.fromEntries(Object.entries(config).map(([k, v]) => [`${P}${k}`, v])) });
}

describe("stack config validation", () => {
  it("accepts the valid base config (so every case below fails for its own reason)", () => {
    const dir = join(work, "valid");
    const out = join(dir, "out");
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "Pulumi.ok.yaml"), stackFileText(validConfig()));
    const r = runCli("render", ["--stack-file", join(dir, "Pulumi.ok.yaml"), "--out", out]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(existsSync(out)).toBe(true);
  });

  it.each(cases.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    const dir = mkdtempSync(join(work, "case-"));
    const config = validConfig();
    c.edit(config);
    const file = join(dir, "Pulumi.bad.yaml");
    writeFileSync(file, c.raw ?? stackFileText(config));
    const out = join(dir, "out");
    const r = runCli("render", ["--stack-file", file, "--out", out]);
    expect(r.status).toBe(1);
    const lines = r.stderr.split("\n").map((l) => l.trim());
    for (const want of c.expected) {
      expect(
        lines.some((l) => (c.raw ? l.includes(want) : l.startsWith(want))),
        `expected a line starting with\n  ${want}\ngot:\n${r.stderr}`,
      ).toBe(true);
    }
    expect(r.stderr).toContain("nothing was rendered or declared");
    expect(r.stdout).toBe("");
    // nothing written: no output directory, and the case directory holds only the stack file
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir)).toEqual(["Pulumi.bad.yaml"]);
  });
});
