// CPU only: the exporter's per-scrape stages over synthetic `wg` output, without wg, HTTP or
// sockets, so two versions can be compared on a machine too noisy for whole scrapes.
//   npx tsx exporter/bench/stages.ts [exporter src dir] [peers] [passes]
// Prints the minimum and median ms of: parsing (without and with a peers file listing every
// second peer), rendering every per-peer series, and deriving connection events.
import { randomBytes } from "node:crypto";
import { resolve } from "node:path";

const SRC = resolve(process.argv[2] ?? `${__dirname}/../src`);
const N = Number(process.argv[3] ?? 100_000);
const PASSES = Number(process.argv[4] ?? 20);

async function main(): Promise<void> {
  const { DumpParser } = (await import(`${SRC}/parse-dump.ts`)) as typeof import("../src/parse-dump");
  const { PeerTable } = (await import(`${SRC}/peer-table.ts`)) as typeof import("../src/peer-table");
  const { renderPeerSeries, outputChunks } = (await import(
    `${SRC}/exposition.ts`
  )) as typeof import("../src/exposition");
  const { PeerTracker } = (await import(`${SRC}/events.ts`)) as typeof import("../src/events");
  const { annotatePeers } = (await import(`${SRC}/peer-view.ts`)) as typeof import("../src/peer-view");
  type Table = InstanceType<typeof PeerTable>;
  type Lookup = ConstructorParameters<typeof DumpParser>[2];

  // The bench's peers: random keys, every 10th with an endpoint, an IPv6 /128 each.
  const hex = (i: number) => `${(i >> 16).toString(16)}:${(i & 0xffff).toString(16)}`;
  const keys = Array.from({ length: N }, () => randomBytes(32).toString("base64"));
  const lines = [
    ["wg0", randomBytes(32).toString("base64"), randomBytes(32).toString("base64"), "51820", "off"].join("\t"),
  ];
  keys.forEach((k, i) => {
    const endpoint = i % 10 === 0 ? `[fd77:1::${hex(i)}]:51820` : "(none)";
    lines.push(
      [
        "wg0",
        k,
        "(none)",
        endpoint,
        `fd77::${hex(i)}/128`,
        String(i % 3 ? 1_795_838_450 + i : 0),
        String(i * 1000),
        String(i * 7),
        "off",
      ].join("\t"),
    );
  });
  const dump = Buffer.from(lines.join("\n") + "\n");
  const reads: Buffer[] = []; // as Node reads a pipe: 64 KB at a time
  for (let at = 0; at < dump.length; at += 65_536) reads.push(Buffer.from(dump.subarray(at, at + 65_536)));
  const listed = new Map(
    keys
      .filter((_, i) => i % 2 === 0)
      .map((k, i) => [k, { publicKey: k, friendlyName: `peer-${i}`, owner: "ops", expected: i % 2 === 0 }]),
  );
  const lookup = ((_iface: string, key: string) => listed.get(key)) as unknown as Lookup;

  const parse = (table: Table, withLookup: Lookup): Table => {
    const p = new DumpParser(null, table, withLookup);
    for (const r of reads) p.push(r);
    const out = p.end();
    if (!out.ok) throw new Error(out.error);
    annotatePeers(out.table, 1_795_838_450 + N, 180_000);
    return out.table;
  };
  const table = new PeerTable();
  const tableWithNames = new PeerTable();
  const tracker = new PeerTracker();
  const times: Record<string, number[]> = { parse: [], "parse, peers file": [], render: [], events: [] };
  const time = (what: string, f: () => void) => {
    const t0 = performance.now();
    f();
    times[what]!.push(performance.now() - t0);
  };
  let rendered = 0;
  for (let pass = 0; pass < PASSES; pass++) {
    time("parse, peers file", () => parse(tableWithNames, lookup));
    let t: Table = table;
    time("parse", () => (t = parse(table, null)));
    time("render", () => {
      rendered = 0;
      for (const chunk of renderPeerSeries([t], { exportEndpoints: true })) {
        rendered += chunk.length;
        outputChunks.release(chunk);
      }
    });
    time("events", () => tracker.update([t], true));
  }
  const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
  console.log(
    `${N} peers, ${PASSES} passes, ${(dump.length / 1e6).toFixed(1)} MB ` +
      `of wg output, ${(rendered / 1e6).toFixed(1)} MB rendered (${SRC})`,
  );
  for (const [what, xs] of Object.entries(times)) {
    const s = sorted(xs);
    console.log(`  ${what.padEnd(18)} min ${s[0]!.toFixed(1)}  median ${s[s.length >> 1]!.toFixed(1)} ms`);
  }
}

void main();
