// `npm run import-peers`: the public half of a wg-quick config or a `wg show dump`, as a stack's
// peers list; private and preshared keys never reach the output.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dump, load } from "js-yaml";
import { afterAll, describe, expect, it } from "vitest";
import { parseStackFile } from "../../src/model/index";
import { parseWgQuick } from "../../src/tools/import-peers/parse";
import { REPO } from "../helpers/run";

const PRIVATE_KEY = "FitQ6a6Ex9e/W6YKq1AnVkD3ClFH8W+n39yuwr2QCdE=";
const PRESHARED_KEY = "TeufhwCzJAtdQAvEKLshgenm7syhJRuT5/5nDgiivTo=";
const ALICE = "EkgH4BNdK+TQMo+dA/sZXQWt0O7k0uvUDR0Q2vv/KlM=";
const BOB = "XKiqzxysok0yJLo7RcTi80u07KFgN2KQPUMV4+R2zT4=";
const CAROL = "oOq43byKsSojz47t6h8RpOPUC/BTqGr9F6INZJcvCCU=";
const DAVE = "smsRABZNeWag7Ox1lE8vmNXjHp0zMmIdReTAr1lkMDo=";

/** A server config as wg-easy, MindFlavor's exporter's users and plain wg-quick users write names. */
const WG0_CONF = `[Interface]
PrivateKey = ${PRIVATE_KEY}
Address = 10.8.0.1/24
ListenPort = 51820

# Client: alice-laptop (5c3a0f5e-1d2b-4c55-9a1e-3f0f4f6b7a01)
[Peer]
PublicKey = ${ALICE}
PresharedKey = ${PRESHARED_KEY}
AllowedIPs = 10.8.0.2/32

[Peer]
# friendly_name = bob-phone
PublicKey = ${BOB}
AllowedIPs = 10.8.0.3/32, fd00::3/128
Endpoint = 198.51.100.7:51820

# Name = carol-desktop
[Peer]
PublicKey = ${CAROL}
AllowedIPs = 10.8.0.4/32

[Peer]
PublicKey = ${DAVE}
AllowedIPs = 10.8.0.5/32
`;

const dir = mkdtempSync(join(tmpdir(), "wgm-import-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function importPeers(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(
    process.execPath,
    [join(REPO, "node_modules/tsx/dist/cli.mjs"), join(REPO, "src/tools/cli/import-peers.ts"), ...args],
    { cwd: dir, encoding: "utf8", timeout: 60_000 },
  );
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("npm run import-peers -- wg0.conf", () => {
  writeFileSync(join(dir, "wg0.conf"), WG0_CONF);
  const r = importPeers(join(dir, "wg0.conf"), "--host", "vpn-fra-1");

  it("prints every peer with the name its comment gives, on the interface the file is named after", () => {
    expect(r.status).toBe(0);
    const peers = (load(r.stdout) as { peers: Record<string, unknown>[] }).peers;
    expect(peers).toEqual([
      { publicKey: ALICE, friendlyName: "alice-laptop", host: "vpn-fra-1", interface: "wg0" },
      { publicKey: BOB, friendlyName: "bob-phone", host: "vpn-fra-1", interface: "wg0" },
      { publicKey: CAROL, friendlyName: "carol-desktop", host: "vpn-fra-1", interface: "wg0" },
      { publicKey: DAVE, friendlyName: "peer-smsRABZN", host: "vpn-fra-1", interface: "wg0" },
    ]);
    expect(r.stdout).toContain("    # AllowedIPs: 10.8.0.3/32, fd00::3/128\n");
  });

  it("never prints a private or preshared key or an endpoint, and says what it skipped", () => {
    for (const secret of [PRIVATE_KEY, PRESHARED_KEY, "198.51.100.7"]) {
      expect(r.stdout).not.toContain(secret);
      expect(r.stderr).not.toContain(secret);
    }
    expect(r.stderr).toContain("skipped 1 private key (never imported)");
    expect(r.stderr).toContain("skipped 1 preshared key (never imported)");
    expect(r.stderr).toContain("1 peer has no name comment");
  });

  it("prints a list that a stack accepts as its peers", () => {
    const stack = load(readFileSync(join(REPO, "Pulumi.example.yaml"), "utf8")) as { config: Record<string, unknown> };
    stack.config["wireguard-monitoring:peers"] = (load(r.stdout) as { peers: unknown[] }).peers;
    const loaded = parseStackFile(dump(stack), "Pulumi.imported.yaml", "imported");
    expect(loaded.ok ? [] : loaded.errors).toEqual([]);
  });
});

describe("npm run import-peers -- <wg show all dump>", () => {
  it("takes each peer's interface from the dump and skips the interface's private key and the preshared keys", () => {
    const fixture = join(REPO, "test/exporter/fixtures/wg-show-all-dump.txt");
    const text = readFileSync(fixture, "utf8");
    const r = importPeers(fixture);
    expect(r.status).toBe(0);
    const peers = (load(r.stdout) as { peers: { publicKey: string; interface: string }[] }).peers;
    const dumpPeers = text.split("\n").filter((l) => l.split("\t").length === 9);
    expect(peers.map((p) => `${p.interface} ${p.publicKey}`)).toEqual(
      dumpPeers.map((l) => `${l.split("\t")[0]} ${l.split("\t")[1]}`),
    );
    const secrets = text.split("\n").flatMap((l) => {
      const f = l.split("\t");
      return f.length === 5 ? [f[1]] : f.length === 9 && f[2] !== "(none)" ? [f[2]] : [];
    });
    expect(secrets.length).toBeGreaterThan(0);
    for (const s of secrets) expect(r.stdout + r.stderr).not.toContain(s);
    expect(r.stderr).toMatch(/skipped \d+ private key/);
  });

  it("reads `wg show wg0 dump` from stdin, with the interface given", () => {
    const fixture = readFileSync(join(REPO, "test/exporter/fixtures/wg-show-wg0-dump.txt"), "utf8");
    const r = spawnSync(
      process.execPath,
      [
        join(REPO, "node_modules/tsx/dist/cli.mjs"),
        join(REPO, "src/tools/cli/import-peers.ts"),
        "-",
        "--interface",
        "wg0",
      ],
      { input: fixture, encoding: "utf8" },
    );
    expect(r.status).toBe(0);
    const peers = (load(r.stdout) as { peers: { interface: string }[] }).peers;
    expect(peers.length).toBe(fixture.split("\n").filter((l) => l.split("\t").length === 8).length);
    expect(peers.every((p) => p.interface === "wg0")).toBe(true);
  });
});

describe("parseWgQuick", () => {
  it("names the line of a peer whose public key is not a WireGuard key, without quoting it", () => {
    const r = parseWgQuick("[Peer]\nPublicKey = not-a-key\n\n[Peer]\nAllowedIPs = 10.0.0.2/32\n");
    expect(r.errors).toEqual([
      "line 1: [Peer] PublicKey is not a WireGuard key (44 characters of base64)",
      "line 4: [Peer] without a PublicKey",
    ]);
    expect(r.peers).toEqual([]);
  });

  it("gives a name comment between two sections to the peer below it", () => {
    const r = parseWgQuick(`[Peer]\nPublicKey = ${ALICE}\n# Name = bob\n[Peer]\nPublicKey = ${BOB}\n`);
    expect(r.peers.map((p) => p.friendlyName)).toEqual([undefined, "bob"]);
  });
});
