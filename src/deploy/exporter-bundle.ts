// The exporter bundle every host gets. The program builds it from the checkout's exporter/src (the
// same esbuild step as `npm run build`), so `pulumi up` right after `npm ci` deploys, and never a
// stale or missing build. WIREGUARD_MONITORING_EXPORTER_BUNDLE names a prebuilt bundle instead
// (e.g. one your release process built and signed off).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { BUNDLE_PATH, buildExporterBundle } from "../../exporter/bundle";
import { sha256 } from "./stdin-files";

export const PREBUILT_BUNDLE_ENV = "WIREGUARD_MONITORING_EXPORTER_BUNDLE";

export interface ExporterBundle {
  /** Local file the upload reads (a FileAsset: state keeps its hash, not its bytes). */
  path: string;
  sha256: string;
}

export function exporterBundle(projectDir: string, env: NodeJS.ProcessEnv = process.env): ExporterBundle {
  const prebuilt = env[PREBUILT_BUNDLE_ENV];
  if (prebuilt) {
    const path = resolve(prebuilt);
    if (!existsSync(path)) throw new Error(`${PREBUILT_BUNDLE_ENV}=${prebuilt}: no such file`);
    return { path, sha256: sha256(readFileSync(path)) };
  }
  let bytes: Buffer;
  try {
    bytes = buildExporterBundle(projectDir);
  } catch (e) {
    throw new Error(
      `building the exporter bundle (exporter/src) failed; nothing was deployed:\n${(e as Error).message}`,
    );
  }
  const path = join(projectDir, BUNDLE_PATH);
  if (!existsSync(path) || !readFileSync(path).equals(bytes)) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, bytes, { mode: 0o755 });
  }
  return { path, sha256: sha256(bytes) };
}
