// Bundles the exporter into one CommonJS file that runs on Node >= 18 with nothing beside it.
import { build } from "esbuild";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));

function gitRevision() {
  try {
    return execFileSync("git", ["rev-parse", "--short=12", "HEAD"], { cwd: root, stdio: ["ignore", "pipe", "ignore"] })
      .toString()
      .trim();
  } catch {
    return "unknown";
  }
}

await build({
  entryPoints: [join(root, "exporter/src/main.ts")],
  outfile: join(root, "exporter/dist/wireguard-exporter.cjs"),
  bundle: true,
  platform: "node",
  target: "node18",
  format: "cjs",
  minify: false,
  sourcemap: false,
  legalComments: "none",
  banner: { js: "#!/usr/bin/env node" },
  define: {
    __EXPORTER_VERSION__: JSON.stringify(pkg.version),
    __EXPORTER_REVISION__: JSON.stringify(gitRevision()),
  },
  logLevel: "warning",
});

// `node exporter/build.mjs --bench` also bundles the benchmark (run with plain node, no loader).
if (process.argv.includes("--bench")) {
  await build({
    entryPoints: [join(root, "exporter/bench/bench.ts")],
    outfile: join(root, "exporter/dist/bench.cjs"),
    bundle: true,
    platform: "node",
    target: "node18",
    format: "cjs",
    logLevel: "warning",
  });
}
