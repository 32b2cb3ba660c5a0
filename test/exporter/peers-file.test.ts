// The peers file as an untrusted input: what is read, what is refused, what an error may say.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { metricValue, startExporter } from "../harness/exporter";
import {
  PeersFileSource,
  SETTLE_MS,
  parsePeersFile,
  readPeersFile,
  type PeersFileResult,
} from "../../exporter/src/peers-file";

const K1 = "Gw2s4IBfE2fZh/kHK1t/lKb1UI09Zi1PFM2YxJ8SZgU=";
const K2 = "AEc9VooMoxmKLKXYHSeOiibfV58pk2/GrPDLHtIzoQI=";
const SECRET = "s3cr3t-Value_that+must/not=leak";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "wgm-peers-file-"));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const errorsOf = (r: PeersFileResult): string[] => (r.ok ? [] : r.errors);

/** A source over path whose events are recorded; loaded once. */
async function source(path: string, now?: () => number) {
  const events: { ok: boolean; errors?: string[] }[] = [];
  const s = new PeersFileSource(path, (ok, d) => events.push({ ok, errors: d.errors }), undefined, now);
  await s.refresh();
  return { s, events };
}

function file(name: string, text: string | Buffer): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

describe("errors never quote the file's content", () => {
  it("a shadow-like file behind the path: no line of it in any error", () => {
    const text = `root:$6$${SECRET}:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n`;
    const r = parsePeersFile(text, "/etc/wg/peers.yml");
    expect(r.ok).toBe(false);
    expect(JSON.stringify(r)).not.toContain(SECRET);
    expect(JSON.stringify(r)).not.toContain("root");
  });

  it("a key: value file: names that look like field names are shown, values and other keys are not", () => {
    const text = `password: ${SECRET}\n"${SECRET} as a key": 1\n`;
    const r = parsePeersFile(text, "f.yml");
    expect(errorsOf(r)).toEqual([
      "peers file f.yml: password: unknown field",
      "peers file f.yml: (a key that is not a field name): unknown field",
    ]);
  });

  it("at most 20 errors, then a count of the rest", () => {
    const text = Array.from({ length: 5000 }, (_, i) => `key${i}: ${SECRET}`).join("\n");
    const errors = errorsOf(parsePeersFile(text, "f.yml"));
    expect(errors).toHaveLength(21);
    expect(errors[20]).toBe("peers file f.yml: 4980 more errors not shown");
  });

  it("a JSON syntax error gives a line and column, not V8's snippet of the text", () => {
    expect(errorsOf(parsePeersFile(`{"peers": [\n {"public_key": ${SECRET}}]}`, "p.json"))).toEqual([
      "peers file p.json: not valid JSON",
    ]);
    expect(errorsOf(parsePeersFile(`{"peers": [],\n  }`, "p.json"))).toEqual([
      "peers file p.json: not valid JSON (line 2, column 3)",
    ]);
  });

  it("a YAML syntax error gives the reason and place, not js-yaml's snippet or the tag it met", () => {
    expect(errorsOf(parsePeersFile(`peers: !${SECRET} x\n`, "p.yml"))).toEqual([
      "peers file p.yml: not valid YAML: unknown scalar tag (line 1, column 8)",
    ]);
    expect(errorsOf(parsePeersFile(`peers:\n  - ${SECRET}: [\n`, "p.yml"))[0]).toMatch(
      /^peers file p\.yml: not valid YAML: [a-z ]+ \(line \d+, column \d+\)$/,
    );
  });

  it("a bad public key is named by its entry, not quoted", () => {
    expect(errorsOf(parsePeersFile(`peers:\n  - {public_key: "${SECRET}", friendly_name: a}\n`, "p.yml"))).toEqual([
      "peers file p.yml: peers[0].public_key: not a base64-encoded 32-byte key",
    ]);
  });
});

describe("JSON duplicate keys are refused like YAML ones", () => {
  it("in an entry and at the top level, with the path", () => {
    const text =
      `{"peers": [{"public_key": "${K1}", "friendly_name": "a"}, {"public_key": ` +
      `"${K2}", "friendly_name": "old", "friendly_name": "new"}], "peers": []}`;
    expect(errorsOf(parsePeersFile(text, "p.json"))).toEqual([
      "peers file p.json: peers[1].friendly_name: duplicate key",
      "peers file p.json: peers: duplicate key",
    ]);
  });

  it("also when spelled with escapes, and not for the same key in different objects", () => {
    const text = `{"peers": [{"public_key": "${K1}", "friendly_name": "a", "friendly\\u005fname": "b"}]}`;
    expect(errorsOf(parsePeersFile(text, "p.json"))).toEqual([
      "peers file p.json: peers[0].friendly_name: duplicate key",
    ]);
    const fine = JSON.stringify({
      peers: [
        { public_key: K1, friendly_name: "a" },
        { public_key: K2, friendly_name: "b" },
      ],
    });
    expect(parsePeersFile(fine, "p.json").ok).toBe(true);
  });

  it("YAML refuses them too", () => {
    expect(
      errorsOf(parsePeersFile(`peers:\n  - public_key: ${K1}\n    friendly_name: a\n    friendly_name: b\n`, "p.yml")),
    ).toEqual(["peers file p.yml: not valid YAML: duplicated mapping key (line 4, column 5)"]);
  });
});

describe("what is read", () => {
  it("a directory, a FIFO and a device are refused without reading (a FIFO would never end)", async () => {
    const sub = join(dir, "a-directory");
    mkdirSync(sub);
    const fifo = join(dir, "a-fifo");
    execFileSync("mkfifo", [fifo]);
    for (const path of [sub, fifo, "/dev/zero"]) {
      const { s, events } = await source(path);
      expect(s.status).toMatchObject({
        loaded: false,
        lastReloadOk: false,
        errors: [`peers file ${path}: not a regular file, not read`],
      });
      expect(events).toEqual([{ ok: false, errors: [`peers file ${path}: not a regular file, not read`] }]);
    }
  });

  it("a symlink is followed to a regular file (config management and ConfigMap volumes use them)", async () => {
    const target = file("real-peers.yml", `peers:\n  - public_key: ${K1}\n    friendly_name: a\n`);
    const link = join(dir, "peers-link.yml");
    symlinkSync(target, link);
    const { s } = await source(link);
    expect(s.status).toMatchObject({ loaded: true, peerCount: 1 });
  });

  it("a symlink to a file that is no peers file: refused, and nothing of its content is reported", async () => {
    const secretFile = file("shadow", `root:$6$${SECRET}:19000:0:99999:7:::\n${SECRET}: 1\n`);
    const link = join(dir, "peers-to-shadow.yml");
    symlinkSync(secretFile, link);
    const { s, events } = await source(link);
    expect(s.status.loaded).toBe(false);
    expect(JSON.stringify([s.status, events])).not.toContain(SECRET);
  });

  it("a file over 16 MiB is refused unread, at once", async () => {
    const big = file("big.yml", Buffer.alloc((16 << 20) + 1, "# comment\n"));
    const t0 = performance.now();
    const { s } = await source(big);
    expect(performance.now() - t0).toBeLessThan(500);
    expect(s.status.errors).toEqual([`peers file ${big}: larger than 16 MiB, not read`]);
  });
});

describe("reloading", () => {
  const entry = (k: string, name: string) => `  - public_key: ${k}\n    friendly_name: ${name}\n`;

  it("a file written in several steps is read once it has settled, so a half-written file is not used", async () => {
    const p = file("growing.yml", "peers:\n" + entry(K1, "one"));
    let now = Date.now();
    const { s, events } = await source(p, () => now);
    expect(s.current?.peers.map((x) => x.friendlyName)).toEqual(["one"]);

    // Cut at a line break: valid YAML, with the second peer missing and the first renamed.
    writeFileSync(p, "peers:\n" + entry(K1, "uno"));
    await s.refresh();
    expect(s.current?.peers.map((x) => x.friendlyName)).toEqual(["one"]);
    now += SETTLE_MS / 2;
    writeFileSync(p, "peers:\n" + entry(K1, "uno") + entry(K2, "dos"));
    await s.refresh();
    expect(s.current?.peers.map((x) => x.friendlyName)).toEqual(["one"]);
    now += SETTLE_MS;
    await s.refresh();
    expect(s.current?.peers.map((x) => x.friendlyName)).toEqual(["uno", "dos"]);
    expect(events.map((e) => e.ok)).toEqual([true, true]);
  });

  it("a file replaced by rename with an old mtime (install -p, rsync -t) is read at once", async () => {
    const p = file("renamed.yml", "peers:\n" + entry(K1, "one"));
    const { s } = await source(p);
    const next = file("renamed.yml.tmp", "peers:\n" + entry(K1, "two"));
    const old = new Date(Date.now() - 3600_000);
    utimesSync(next, old, old);
    execFileSync("mv", [next, p]);
    await s.refresh();
    expect(s.current?.peers.map((x) => x.friendlyName)).toEqual(["two"]);
  });

  it("a slow read does not hold up the collection beyond its wait: the file in use stays in use", async () => {
    const p = file("slow.yml", "peers:\n" + entry(K1, "one"));
    let release: (() => void) | undefined;
    let reads = 0;
    const slowRead = async (path: string): Promise<PeersFileResult> => {
      if (reads++ > 0) await new Promise<void>((r) => (release = r));
      return readPeersFile(path)!;
    };
    const s = new PeersFileSource(p, () => {}, slowRead);
    await s.refresh();
    const old = new Date(Date.now() - 3600_000);
    writeFileSync(p, "peers:\n" + entry(K1, "two") + "# changed\n");
    utimesSync(p, old, old);
    const t0 = performance.now();
    await s.refresh(100);
    expect(performance.now() - t0).toBeLessThan(400);
    expect(s.current?.peers[0]!.friendlyName).toBe("one");
    release!();
    await s.busy;
    expect(s.current?.peers[0]!.friendlyName).toBe("two");
  });
});

describe("random keys stay valid", () => {
  it("JSON with many entries has no false duplicates", () => {
    const peers = Array.from({ length: 2000 }, (_, i) => ({
      public_key: randomBytes(32).toString("base64"),
      friendly_name: `p"${i}\\`,
      expected: i % 2 === 0,
    }));
    const r = parsePeersFile(JSON.stringify({ peers }, null, 2), "p.json");
    expect(errorsOf(r)).toEqual([]);
  });
});

describe("in the running exporter", () => {
  it("a 15 MB file is parsed off the event loop: scrapes and other requests go on meanwhile", async () => {
    const wg = join(dir, "wg-replay");
    writeFileSync(wg, `#!/bin/sh\ncat ${join(__dirname, "fixtures", "wg-show-wg0-dump.txt")}\n`, { mode: 0o755 });
    const pf = file("running.yml", `peers:\n  - public_key: ${K1}\n    friendly_name: small file\n`);
    const e = await startExporter({ peersFile: pf, args: [`--wireguard.command=${wg}`, "--wireguard.interfaces=wg0"] });
    try {
      const scrape = async () => (await fetch(e.url + "/metrics")).text();
      expect(metricValue(await scrape(), "wireguard_sent_bytes_total", { friendly_name: "small file" })).toBe(3324);

      const lines = [`peers:\n  - public_key: ${K1}\n    friendly_name: big file\n`];
      for (let i = 0; i < 100_000; i++)
        lines.push(
          `  - public_key: ${randomBytes(32).toString("base64")}\n    friendly_name: "peer ${i}"\n` +
            `    owner: "owner ${i % 1000}"\n    expected: ${i % 3 === 0}\n`,
        );
      const next = file("running.yml.new", lines.join(""));
      const old = new Date(Date.now() - 3600_000);
      utimesSync(next, old, old);
      renameSync(next, pf);

      // Requests to / every 50 ms while a scrape triggers the reload.
      const latencies: number[] = [];
      let polling = true;
      const poll = (async () => {
        while (polling) {
          const t = performance.now();
          await (await fetch(e.url + "/")).text();
          latencies.push(performance.now() - t);
          await new Promise((r) => setTimeout(r, 50));
        }
      })();
      const t0 = performance.now();
      const during = await scrape();
      const scrapeMs = performance.now() - t0;
      await new Promise((r) => setTimeout(r, 1000));
      polling = false;
      await poll;
      expect(scrapeMs).toBeLessThan(2000);
      expect(Math.max(...latencies)).toBeLessThan(1000);
      // still the file in use
      expect(metricValue(during, "wireguard_sent_bytes_total", { friendly_name: "small file" })).toBe(3324);

      const loaded = await e.waitForLog((l) => l.msg === "peers file loaded" && l.peers === 100_001, 120_000);
      expect(loaded.path).toBe(pf);
      expect(metricValue(await scrape(), "wireguard_sent_bytes_total", { friendly_name: "big file" })).toBe(3324);
    } finally {
      await e.stop();
    }
  });
});
