// The exporter bundle (`npm run build` → exporter/dist/wireguard-exporter.cjs) that every host gets.
import { existsSync, readFileSync } from "node:fs";
import * as pulumi from "@pulumi/pulumi";
import { sha256 } from "./staging";

export interface ExporterBundle {
  path: string;
  sha256: string;
}

/** Under mocks (preview, tests of the plan) a missing bundle is only a warning; `pulumi up` would fail uploading it. */
export function exporterBundle(path: string): ExporterBundle {
  if (!existsSync(path)) {
    pulumi.log.warn(`${path} is missing: run \`npm run build\` before \`pulumi up\``);
    return { path, sha256: "missing" };
  }
  return { path, sha256: sha256(readFileSync(path)) };
}
