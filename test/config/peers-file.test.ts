// `peersFile`: a stack's peers in a YAML or CSV file of their own, validated like inline peers, with
// errors that name the file.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dump, load } from "js-yaml";
import { afterAll, describe, expect, it } from "vitest";
import { loadStackFile } from "../../src/model/index";
import { programConfigValues } from "../../src/model/program-config";
import { REPO } from "../helpers/run";

const P = "wireguard-monitoring";
const example = load(readFileSync(join(REPO, "Pulumi.example.yaml"), "utf8")) as { config: Record<string, unknown> };
const examplePeers = example.config[`${P}:peers`] as Record<string, unknown>[];
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A project directory with Pulumi.test.yaml (the example stack, peers moved out) and the given files. */
function project(stackConfig: Record<string, unknown>, files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "wgm-peers-file-"));
  dirs.push(dir);
  const config = { ...example.config };
  delete config[`${P}:peers`];
  writeFileSync(join(dir, "Pulumi.test.yaml"), dump({ config: { ...config, ...stackConfig } }));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, ".."), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

const inlineInventory = () => {
  const r = loadStackFile(REPO, "example");
  if (!r.ok) throw new Error("example stack invalid");
  return { ...r.inventory, stack: "test", environment: "example" };
};

function csv(peers: Record<string, unknown>[]): string {
  const cols = ["publicKey", "friendlyName", "owner", "host", "interface", "expected", "bandwidthLimitBytesPerSecond"];
  const cell = (v: unknown) =>
    v === undefined ? "" : /[",\n]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v);
  return [cols.join(","), ...peers.map((p) => cols.map((c) => cell(p[c])).join(","))].join("\n") + "\n";
}

describe("peersFile", () => {
  it("YAML (a peers: list): the stack gets the same inventory as with the peers inline", () => {
    const dir = project(
      { [`${P}:peersFile`]: "peers/test.yaml" },
      { "peers/test.yaml": dump({ peers: examplePeers }) },
    );
    const r = loadStackFile(dir, "test");
    expect(r.ok ? [] : r.errors).toEqual([]);
    if (r.ok) expect(r.inventory.peers).toEqual(inlineInventory().peers);
  });

  it("CSV with a header row, quoted fields included: the same inventory", () => {
    const peers = examplePeers.map((p, i) => (i === 1 ? { ...p, friendlyName: 'alice, "the" laptop' } : p));
    const dir = project({ [`${P}:peersFile`]: "peers/test.csv" }, { "peers/test.csv": csv(peers) });
    const r = loadStackFile(dir, "test");
    expect(r.ok ? [] : r.errors).toEqual([]);
    if (r.ok) {
      expect(r.inventory.peers[1].friendlyName).toBe('alice, "the" laptop');
      expect(r.inventory.peers.map((p) => ({ ...p, friendlyName: "" }))).toEqual(
        inlineInventory().peers.map((p) => ({ ...p, friendlyName: "" })),
      );
    }
  });

  it("an invalid peer in the file: the error names the file and the peer's key path", () => {
    const peers = examplePeers.map((p, i) => (i === 3 ? { ...p, publicKey: "not-a-key" } : p));
    for (const [file, text] of [
      ["peers/test.yaml", dump({ peers })],
      ["peers/test.csv", csv(peers)],
    ]) {
      const r = loadStackFile(project({ [`${P}:peersFile`]: file }, { [file]: text }), "test");
      expect(r.ok ? [] : r.errors.map((e) => e.path), file).toEqual([`${file}: peers[3].publicKey`]);
    }
  });

  it("a peer naming an unknown host: the cross-check's error names the file too", () => {
    const peers = examplePeers.map((p, i) => (i === 0 ? { ...p, host: "vpn-nowhere" } : p));
    const r = loadStackFile(project({ [`${P}:peersFile`]: "p.yaml" }, { "p.yaml": dump(peers) }), "test");
    expect(r.ok ? [] : r.errors.map((e) => e.path)).toEqual(["p.yaml: peers[0].host"]);
  });

  it("refuses peers and peersFile together, a missing file and an unknown CSV column, naming the key or file", () => {
    const both = loadStackFile(
      project({ [`${P}:peersFile`]: "p.yaml", [`${P}:peers`]: examplePeers }, { "p.yaml": dump(examplePeers) }),
      "test",
    );
    expect(both.ok ? [] : both.errors).toEqual([
      { path: `${P}:peersFile`, message: "set either peers or peersFile, not both" },
    ]);
    const missing = loadStackFile(project({ [`${P}:peersFile`]: "peers/none.yaml" }, {}), "test");
    expect(missing.ok ? [] : missing.errors).toEqual([
      { path: `${P}:peersFile`, message: "cannot read peers/none.yaml: no such file" },
    ]);
    const column = loadStackFile(
      project({ [`${P}:peersFile`]: "p.csv" }, { "p.csv": "publicKey,name\nx,y\n" }),
      "test",
    );
    expect(column.ok ? [] : column.errors.map((e) => `${e.path}: ${e.message}`)).toEqual([
      `p.csv:1: unknown column "name" (known: publicKey, friendlyName, ` +
        `owner, host, interface, expected, bandwidthLimitBytesPerSecond)`,
    ]);
  });

  it("an unreadable peers file does not hide the other keys' errors", () => {
    const r = loadStackFile(
      project({ [`${P}:peersFile`]: "none.yaml", [`${P}:environment`]: "Not Valid" }, {}),
      "test",
    );
    expect(r.ok ? [] : r.errors.map((e) => e.path)).toEqual([`${P}:peersFile`, `${P}:environment`]);
  });

  it("reaches the program as text, as the CLI hands it over", () => {
    expect(programConfigValues({ [`${P}:peersFile`]: "123" })).toEqual({ peersFile: "123" });
  });
});
