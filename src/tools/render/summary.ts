// The short report `render` prints: what was written, how big, and what it contains.
import type { Inventory } from "../../model/index";
import type { Artifact } from "../../build/artifact";
import type { OutputWrite } from "./write";

function countRules(artifacts: readonly Artifact[]): { alerts: number; records: number } {
  let alerts = 0;
  let records = 0;
  for (const a of artifacts) {
    if (a.kind !== "rules") continue;
    alerts += (a.content.match(/^\s*- alert: /gm) ?? []).length;
    records += (a.content.match(/^\s*- record: /gm) ?? []).length;
  }
  return { alerts, records };
}

function countPanels(artifacts: readonly Artifact[]): number {
  let panels = 0;
  for (const a of artifacts) {
    if (a.kind !== "dashboard" || !a.path.endsWith(".json")) continue;
    const walk = (list: unknown): void => {
      if (!Array.isArray(list)) return;
      for (const p of list as Array<{ type?: string; panels?: unknown }>) {
        if (p.type !== "row") panels++;
        walk(p.panels);
      }
    };
    walk((JSON.parse(a.content) as { panels?: unknown }).panels);
  }
  return panels;
}

function size(bytes: number): string {
  return bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(1)} KiB`;
}

export function renderSummary(
  inventory: Inventory,
  outDir: string,
  stackFiles: readonly Artifact[],
  committed: readonly { artifact: Artifact; changed: boolean }[],
  output?: OutputWrite,
): string {
  const lines = [
    `Rendered stack "${inventory.stack}" (env ${inventory.environment}) into ${outDir}/${outputNote(output)}`,
  ];
  const width = Math.max(...stackFiles.map((a) => a.path.length), 10);
  for (const a of stackFiles)
    lines.push(`  ${a.path.padEnd(width)}  ${size(Buffer.byteLength(a.content)).padStart(9)}`);
  const total = stackFiles.reduce((n, a) => n + Buffer.byteLength(a.content), 0);
  // Every server has the same rules: count one server's.
  const rules = countRules(
    stackFiles.filter((a) => a.prometheusServer === undefined || a.prometheusServer === inventory.prometheus.name),
  );
  const servers = inventory.prometheusServers.length;
  const expected = inventory.peers.filter((p) => p.expected).length;
  lines.push(
    `${stackFiles.length} files, ${size(total)}: ${inventory.hosts.length} ` +
      `hosts, ${inventory.peers.length} peers (${expected} expected), ` +
      `${servers > 1 ? `${servers} Prometheus servers, ` : ""}${rules.alerts} alert ` +
      `rules, ${rules.records} recording rules, ${countPanels(stackFiles)} dashboard panels`,
  );
  if (committed.length > 0) {
    const changed = committed.filter((c) => c.changed).map((c) => c.artifact.path);
    lines.push(
      changed.length === 0
        ? `Committed artifacts (alerts/, dashboards/): ${committed.length} files, all up to date`
        : `Committed artifacts updated — review and commit: ${changed.join(", ")}`,
    );
  }
  return lines.join("\n");
}

/** What the render did on disk: a fresh directory, or how many files changed in place. */
function outputNote(output: OutputWrite | undefined): string {
  if (output === undefined) return "";
  if (output.how === "replaced") return " (written whole)";
  const removed = output.removed > 0 ? `, ${output.removed} removed` : "";
  return ` (${output.written} written, ${output.unchanged} unchanged${removed})`;
}
