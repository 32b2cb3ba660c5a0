// The per-host files the host component installs, for every committed stack: the hardened unit
// passes systemd-analyze, and the exporter itself accepts the peers file and web config.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import bcrypt from "bcryptjs";
import { load } from "js-yaml";
import { afterAll, describe, expect, it } from "vitest";
import { parsePeersFile } from "../../exporter/src/peers-file";
import { parseWebConfig } from "../../exporter/src/web-config";
import { loadStackFile, peersOnHost, type Inventory } from "../../src/model/index";
import { hostArtifacts } from "../../src/build/hosts/artifacts";
import { renderExporterUnit } from "../../src/build/hosts/systemd-unit";
import { HOST_PATHS } from "../../src/build/hosts/paths";
import { basicAuthHash, renderWebConfig, withBasicAuthUser } from "../../src/build/hosts/web-config";
import { renderWgHelperService, renderWgHelperSocket } from "../../src/build/hosts/wg-helper";

const ROOT = resolve(__dirname, "..", "..");
const stacks = ["example", "prod"].map((name) => {
  const r = loadStackFile(ROOT, name);
  if (!r.ok) throw new Error(`Pulumi.${name}.yaml does not validate`);
  return r.inventory;
});
const dir = mkdtempSync(join(tmpdir(), "wgm-units-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function systemdAnalyze(args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync("systemd-analyze", args, { cwd: dir, encoding: "utf8", timeout: 30_000 });
  if (r.error)
    throw new Error(`systemd-analyze is needed for these tests (apt-get install systemd): ${r.error.message}`);
  return { code: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
}

/** "→ Overall exposure level for x.service: 1.6 OK" → 1.6 */
function exposure(unitFile: string): number {
  const r = systemdAnalyze(["security", "--offline=yes", "--no-pager", `./${unitFile}`]);
  const m = /Overall exposure level for \S+: ([\d.]+)/.exec(r.stdout);
  if (!m) throw new Error(`no exposure level in:\n${r.stdout}\n${r.stderr}`);
  return Number(m[1]);
}

describe.each(stacks.map((inv) => [inv.stack, inv] as [string, Inventory]))(
  "host files of the %s stack",
  (_name, inventory) => {
    it.each(inventory.hosts.map((h) => [h.name, h] as const))(
      "%s: the exporter unit scores at most 2.0 and verifies clean",
      (_host, host) => {
        const file = `wireguard-exporter-${inventory.stack}-${host.name}.service`;
        writeFileSync(join(dir, file), renderExporterUnit(inventory, host));
        expect(exposure(file)).toBeLessThanOrEqual(2.0);
        expect(systemdAnalyze(["verify", `./${file}`])).toEqual({ code: 0, stdout: "", stderr: "" });
      },
    );

    it("grants CAP_NET_ADMIN and no other capability, to a dedicated user", () => {
      const unit = renderExporterUnit(inventory, inventory.hosts[0]);
      expect(unit).toMatch(/^User=wireguard-exporter$/m);
      expect(unit.match(/^(AmbientCapabilities|CapabilityBoundingSet)=.*$/gm)).toEqual([
        "AmbientCapabilities=CAP_NET_ADMIN",
        "CapabilityBoundingSet=CAP_NET_ADMIN",
      ]);
      for (const key of [
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
        "ProtectHome=yes",
        "PrivateTmp=yes",
        "RestrictAddressFamilies=AF_UNIX AF_NETLINK AF_INET AF_INET6",
      ]) {
        expect(unit).toContain(`\n${key}\n`);
      }
    });

    it("runs node with --expose-gc, before the bundle (the exporter's collection after each scrape)", () => {
      const unit = renderExporterUnit(inventory, inventory.hosts[0]);
      const execStart = /^ExecStart=(.*)$/m.exec(unit)![1]!.split(" ");
      expect(execStart.slice(0, 3)).toEqual([HOST_PATHS.nodeBinary, "--expose-gc", HOST_PATHS.bundle]);
    });

    it("writes peers files the exporter accepts, with exactly each host's peers", () => {
      for (const host of inventory.hosts) {
        const text = hostArtifacts(inventory).find((a) => a.path === `hosts/${host.name}/peers.yml`)!.content;
        const parsed = parsePeersFile(text, "peers.yml");
        expect(parsed.ok, JSON.stringify(parsed)).toBe(true);
        if (!parsed.ok) continue;
        const expected = peersOnHost(inventory, host).map((p) => ({
          publicKey: p.publicKey,
          friendlyName: p.friendlyName,
          owner: p.owner ?? "",
          expected: p.expected,
          interface: p.interface,
        }));
        expect(parsed.file.peers.map((p) => ({ ...p })).sort((a, b) => a.publicKey.localeCompare(b.publicKey))).toEqual(
          expected.sort((a, b) => a.publicKey.localeCompare(b.publicKey)),
        );
      }
    });

    it("writes web configs without any secret, which the exporter accepts once deployed", () => {
      const host = inventory.hosts[0];
      const rendered = renderWebConfig(inventory, host);
      expect(rendered).not.toMatch(/\$2[aby]\$/);
      const deployed = inventory.exporter.basicAuth.enabled
        ? withBasicAuthUser(rendered, inventory.exporter.basicAuth.username, basicAuthHash("pw", "s/h"))
        : rendered;
      const parsed = parseWebConfig(deployed, "/etc/wireguard-exporter/web-config.yml");
      if (inventory.exporter.tls.enabled) {
        // Certificates are the operator's; all the exporter can object to here is their absence.
        expect(parsed).toMatch(
          /tls_server_config: ENOENT: no such file or directory, open '\/etc\/wireguard-exporter\/tls\.crt'/,
        );
        expect((load(deployed) as { tls_server_config: unknown }).tls_server_config).toEqual({
          cert_file: inventory.exporter.tls.certFile,
          key_file: inventory.exporter.tls.keyFile,
        });
      } else {
        expect(typeof parsed).not.toBe("string");
      }
    });

    it("renders Filebeat inputs only when the stack ships logs", () => {
      const files = hostArtifacts(inventory).filter((a) => a.kind === "logs");
      expect(files.length).toBe(inventory.logs.filebeat ? inventory.hosts.length : 0);
      for (const f of files) {
        const inputs = load(f.content) as { type: string; id: string; include_matches: { match: string[] } }[];
        const host = inventory.hosts.find((h) => h.name === f.host)!;
        expect(inputs.map((i) => [i.type, i.id])).toEqual([
          ["journald", "wireguard-exporter-events"],
          ["journald", "wireguard-wg-quick"],
        ]);
        expect(inputs[0].include_matches.match).toEqual(["_SYSTEMD_UNIT=wireguard-exporter.service"]);
        expect(inputs[1].include_matches.match).toEqual(
          host.interfaces.map((i) => `_SYSTEMD_UNIT=wg-quick@${i}.service`),
        );
      }
    });
  },
);

describe("the basic-auth hash", () => {
  it("verifies the password, is stable per host (no change on re-deploy) and differs between hosts", () => {
    const a = basicAuthHash("correct horse", "prod/hub-fra-1");
    expect(bcrypt.compareSync("correct horse", a)).toBe(true);
    expect(bcrypt.compareSync("wrong horse", a)).toBe(false);
    expect(basicAuthHash("correct horse", "prod/hub-fra-1")).toBe(a);
    expect(basicAuthHash("correct horse", "prod/hub-fra-2")).not.toBe(a);
  });

  it("takes its salt from the host alone, so the salt is no fast check of password guesses", () => {
    expect(bcrypt.getSalt(basicAuthHash("correct horse", "prod/hub-fra-1"))).toBe(
      bcrypt.getSalt(basicAuthHash("battery staple", "prod/hub-fra-1")),
    );
  });
});

describe("the userspace-WireGuard wg helper", () => {
  it("verifies clean as socket + per-connection service", () => {
    const inventory = stacks[0];
    const host = { ...inventory.hosts[0], userspaceWireGuard: true };
    writeFileSync(join(dir, "wireguard-exporter-wg.socket"), renderWgHelperSocket(inventory, host));
    writeFileSync(join(dir, "wireguard-exporter-wg@.service"), renderWgHelperService(inventory, host));
    expect(systemdAnalyze(["verify", "./wireguard-exporter-wg.socket"])).toEqual({ code: 0, stdout: "", stderr: "" });
    expect(renderExporterUnit(inventory, host)).toContain("--wireguard.command=/opt/wireguard-exporter/wg-via-helper");
  });

  it("answers with a status line and wg's dump, and refuses odd interface names", () => {
    const service = renderWgHelperService(stacks[0], stacks[0].hosts[0]);
    const execStart = /^ExecStart=\/bin\/sh -c '(.*)'$/m.exec(service)![1].replace(/\$\$/g, "$").replace(/%%/g, "%");
    const fakeWg = join(dir, "wg");
    writeFileSync(
      fakeWg,
      '#!/bin/sh\n[ "$2" = wg0 ] && printf "dump of %s\\n" "$2" && exit 0\n' +
        'echo "Unable to access interface: No such device" >&2; exit 1\n',
      { mode: 0o755 },
    );
    const run = (input: string) =>
      execFileSync("/bin/sh", ["-c", execStart.replace("/usr/bin/wg", fakeWg)], { input, encoding: "utf8" });
    expect(run("wg0\n")).toBe("0\ndump of wg0\n");
    expect(run("wg9\n")).toBe("1\nUnable to access interface: No such device\n");
    expect(run("wg0; reboot\n")).toBe("2\ninvalid interface name\n");
  });
});
