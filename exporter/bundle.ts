// Bundles the exporter into one CommonJS file that runs on Node >= 18 with nothing beside it.
// `npm run build` writes it; the Pulumi program builds it the same way before deploying, so what a
// host runs is always the exporter of the checkout.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { buildSync, type BuildOptions } from "esbuild";

export const BUNDLE_PATH = join("exporter", "dist", "wireguard-exporter.cjs");

/**
 * The last commit that changed the exporter's sources (its own and the contract it
 * shares with the generator): a commit elsewhere in the repository must not change the
 * bundle's bytes, or every deploy after it would restart every exporter for nothing.
 */
function sourceRevision(root: string): string {
  try {
    const rev = execFileSync(
      "git",
      ["log", "-1", "--format=%h", "--abbrev=12", "--", "exporter/src", "src/contract", "package.json"],
      { cwd: root, stdio: ["ignore", "pipe", "ignore"] },
    );
    return rev.toString().trim() || "unknown";
  } catch {
    return "unknown";
  }
}

/** The bcrypt worker (exporter/src/bcrypt-worker.ts) as one script, for `new Worker(code, { eval: true })`. */
function bcryptWorkerSource(root: string): string {
  const result = buildSync({
    entryPoints: [join(root, "exporter", "src", "bcrypt-worker.ts")],
    bundle: true,
    platform: "node",
    target: "node18",
    format: "cjs",
    minify: true,
    legalComments: "none",
    write: false,
    logLevel: "silent",
  });
  return result.outputFiles[0]!.text;
}

function bundleOptions(root: string): BuildOptions {
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string };
  return {
    entryPoints: [join(root, "exporter", "src", "main.ts")],
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
      __EXPORTER_REVISION__: JSON.stringify(sourceRevision(root)),
      __BCRYPT_WORKER__: JSON.stringify(bcryptWorkerSource(root)),
    },
    logLevel: "silent",
  };
}

/** The bundle's bytes, built in memory; throws with esbuild's messages (file:line) on a build error. */
export function buildExporterBundle(root: string): Buffer {
  const result = buildSync({ ...bundleOptions(root), write: false, outfile: join(root, BUNDLE_PATH) });
  return Buffer.from(result.outputFiles[0]!.contents);
}
