// `npm run build`: writes exporter/dist/wireguard-exporter.cjs. With --bench also the benchmark
// (run with plain node, no loader).
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { buildSync } from "esbuild";
import { BUNDLE_PATH, buildExporterBundle } from "./bundle";

const root = join(__dirname, "..");
const out = join(root, BUNDLE_PATH);
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, buildExporterBundle(root), { mode: 0o755 });

if (process.argv.includes("--bench")) {
  buildSync({
    entryPoints: [join(root, "exporter/bench/bench.ts")],
    outfile: join(root, "exporter/dist/bench.cjs"),
    bundle: true,
    platform: "node",
    target: "node18",
    format: "cjs",
    logLevel: "warning",
  });
}
