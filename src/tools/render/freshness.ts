// Whether the committed artifacts (alerts/, dashboards/) are what the builders produce now.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Artifact } from "../../build/artifact";

/** Paths under `root` whose content differs from (or lacks) what the builders produce. */
export function staleArtifacts(root: string, artifacts: readonly Artifact[]): string[] {
  return artifacts
    .filter((a) => {
      const file = join(root, a.path);
      return !existsSync(file) || readFileSync(file, "utf8") !== a.content;
    })
    .map((a) => a.path);
}
