// The diff report as text (a terminal), markdown (a pull-request comment or job summary, within
// GitHub's comment limit) and JSON (for scripts).
import type { Change, DashboardChange, HostChange, RuleChange } from "./compare";
import type { DiffReport, SideError, StackDiff } from "./report";

/** GitHub refuses a comment (and a job summary step) longer than this many characters. */
const GITHUB_COMMENT_LIMIT = 65_536;

/** The first line of the markdown: a workflow finds its earlier comment by it, to edit instead of adding one. */
const MARKDOWN_MARKER = "<!-- wireguard-monitoring-diff -->";

const SIGN: Record<Change, string> = { added: "+", removed: "-", changed: "~" };

export function formatJson(report: DiffReport): string {
  return JSON.stringify(report, null, 2);
}

// ---- shared wording ----

function heading(report: DiffReport): string {
  return `diff of the working tree against ${report.base.ref} (${report.base.commit.slice(0, 12)})`;
}

function stackSummary(s: StackDiff): string {
  if (s.status === "unchanged") return "no change";
  const count = (n: number, what: string) => (n === 0 ? [] : [`${n} ${what}${n === 1 ? "" : "s"}`]);
  const byChange = (["added", "changed", "removed"] as const).flatMap((c) => {
    const n = s.diff.artifacts.filter((a) => a.change === c).length;
    return n === 0 ? [] : [`${n} ${c}`];
  });
  const files = byChange.length === 0 ? [] : [`files: ${byChange.join(", ")}`];
  const parts = [
    ...files,
    ...count(s.diff.rules.length, "rule"),
    ...count(
      s.diff.dashboards.reduce((n, d) => n + d.panels.length, 0),
      "panel",
    ),
    ...count(s.diff.hosts.length, "host"),
    ...count(s.exporterRestarts.length, "exporter restart"),
    ...(s.plan ? [planCounts(s)] : []),
  ];
  const status = s.status === "changed" ? "" : `stack ${s.status}; `;
  return `${status}${parts.join(", ") || "changed"}`;
}

function planCounts(s: StackDiff): string {
  if (!s.plan || s.plan.length === 0) return "plan: no resource changes";
  const ops = ["create", "update", "replace", "delete"] as const;
  return `plan: ${ops
    .flatMap((op) => {
      const n = s.plan!.filter((p) => p.op === op).length;
      return n === 0 ? [] : [`${n} to ${op}`];
    })
    .join(", ")}`;
}

function errorLines(e: SideError): string[] {
  return e.errors.map((x) => `${e.side}: stack ${e.stack} (${e.file}): ${x.path}: ${x.message}`);
}

function ruleLines(r: RuleChange): string[] {
  const head = `${SIGN[r.change]} ${r.name} (group ${r.group})`;
  return [
    head,
    ...r.fields.flatMap((f) => [
      `    ${f.field}:`,
      ...(f.before !== undefined ? [`      - ${f.before}`] : []),
      ...(f.after !== undefined ? [`      + ${f.after}`] : []),
    ]),
  ];
}

function dashboardLines(d: DashboardChange): string[] {
  const head =
    `${SIGN[d.change]} ${d.path}${d.uid ? ` (uid ${d.uid})` : ""}` +
    (d.fields.length ? ` [${d.fields.join(", ")}]` : "");
  const panels = d.change === "changed" ? d.panels : [];
  return [
    head,
    ...panels.flatMap((p) => [
      `    ${SIGN[p.change]} panel "${p.title}"${p.fields.length ? ` [${p.fields.join(", ")}]` : ""}`,
      ...p.queriesBefore.map((q) => `        - ${q}`),
      ...p.queriesAfter.map((q) => `        + ${q}`),
    ]),
  ];
}

function hostLines(h: HostChange, restarts: boolean): string[] {
  const effect =
    h.change === "added"
      ? "new host: exporter installed and started"
      : h.change === "removed"
        ? "host removed: exporter stopped and its files removed"
        : restarts
          ? "exporter restarts"
          : "exporter keeps running";
  return [
    `${SIGN[h.change]} ${h.host}: ${effect}`,
    ...h.files.map(
      (f) =>
        `    ${SIGN[f.change]} ${f.path}${f.target ? ` → ${f.target}` : ""}` +
        (f.restarts && h.change === "changed" ? " (restarts the exporter)" : ""),
    ),
  ];
}

function planLines(s: StackDiff): string[] {
  return (s.plan ?? []).map(
    (p) => `${p.op} ${p.type} ${p.name}${p.changed.length ? ` [${p.changed.join(", ")}]` : ""}`,
  );
}

/** Every section of a stack's details, as plain lines (text indents them; markdown fences them). */
function sections(s: StackDiff, report: DiffReport): { title: string; lines: string[] }[] {
  const hostRestarts = new Set(s.exporterRestarts);
  const out = [
    { title: "files", lines: s.diff.artifacts.map((a) => `${SIGN[a.change]} ${a.path}`) },
    { title: "alert and recording rules", lines: s.diff.rules.flatMap(ruleLines) },
    { title: "dashboards", lines: s.diff.dashboards.flatMap(dashboardLines) },
    { title: "hosts", lines: s.diff.hosts.flatMap((h) => hostLines(h, hostRestarts.has(h.host))) },
  ];
  if (report.exporterRebuilt && s.exporterRestarts.length > 0) {
    out.push({
      title: "exporter build",
      lines: [`new exporter build (exporter sources changed): restarts on ${s.exporterRestarts.join(", ")}`],
    });
  }
  if (s.plan) out.push({ title: "pulumi plan", lines: s.plan.length ? planLines(s) : ["no resource changes"] });
  return out.filter((x) => x.lines.length > 0);
}

// ---- text ----

export function formatText(report: DiffReport): string {
  const lines = [heading(report)];
  if (report.exporterRebuilt)
    lines.push("exporter: its sources changed; every existing host gets a new build and restarts it");
  for (const e of report.errors) lines.push(...errorLines(e).map((l) => `error: ${l}`));
  for (const s of report.stacks) {
    lines.push("", `stack ${s.stack}: ${stackSummary(s)}`);
    for (const sec of sections(s, report)) lines.push(`  ${sec.title}:`, ...sec.lines.map((l) => `    ${l}`));
  }
  if (!report.planIncluded)
    lines.push(
      "",
      "(Pulumi plan not computed; add --plan to list the resources each stack would create, update, replace or delete)",
    );
  return lines.join("\n");
}

// ---- markdown ----

/** How much of a stack's details markdown shows; each level is shorter than the one before. */
type Detail = "full" | "files" | "summary";

const fence = (lines: string[]): string => {
  const body = lines.join("\n");
  const ticks = "`".repeat(Math.max(3, ...[...body.matchAll(/`+/g)].map((m) => m[0].length + 1)));
  return `${ticks}diff\n${body}\n${ticks}`;
};

const escapeCell = (s: string): string => s.replace(/\|/g, "\\|").replace(/</g, "&lt;");

function markdownStack(s: StackDiff, report: DiffReport, detail: Detail): string {
  const summary = `<summary><b>${escapeCell(s.stack)}</b>: ${escapeCell(stackSummary(s))}</summary>`;
  if (detail === "summary") return "";
  const secs = sections(s, report).filter((sec) => detail === "full" || sec.title === "files");
  const body = secs.map((sec) => `**${sec.title}**\n\n${fence(sec.lines)}`).join("\n\n");
  return `<details>\n${summary}\n\n${body}\n\n</details>`;
}

/**
 * Markdown for a pull-request comment: a table of every stack, then each changed stack's details
 * in a collapsed section. Over `limit` characters, the largest stacks lose their details first
 * (rules, panels, hosts, plan, then the file list), and a note at the end says what was cut.
 */
export function formatMarkdown(report: DiffReport, limit = GITHUB_COMMENT_LIMIT): string {
  const head = [MARKDOWN_MARKER, `### wireguard-monitoring: ${heading(report)}`, ""];
  if (report.errors.length > 0) {
    head.push("**Errors** (exit code 2):", "", fence(report.errors.flatMap(errorLines)), "");
  }
  if (report.exporterRebuilt)
    head.push("The exporter's sources changed: every existing host gets a new build and restarts its exporter.", "");
  head.push(
    "| stack | change |",
    "|---|---|",
    ...report.stacks.map((s) => `| ${escapeCell(s.stack)} | ${escapeCell(stackSummary(s))} |`),
    "",
  );
  if (!report.planIncluded) head.push("_Pulumi plan not computed (`--plan`)._", "");

  const changed = report.stacks.filter((s) => s.status !== "unchanged");
  const detail = new Map<string, Detail>(changed.map((s) => [s.stack, "full"]));
  const build = (): string => {
    const parts = changed.map((s) => markdownStack(s, report, detail.get(s.stack)!)).filter((p) => p !== "");
    return [...head, ...parts.flatMap((p) => [p, ""])].join("\n");
  };
  const cutNote = (): string => {
    const cut = changed.filter((s) => detail.get(s.stack) !== "full");
    if (cut.length === 0) return "";
    const describe = (s: StackDiff) =>
      `${s.stack} (${detail.get(s.stack) === "files" ? "file list only" : "summary row only"})`;
    const stacks = cut.map((s) => `--stack ${s.stack}`).join(" ");
    return (
      `\n> **Cut to fit GitHub's ${limit.toLocaleString("en-US")}-character ` +
      `limit:** details of ${cut.map(describe).join(", ")}. ` +
      `The full report: \`npm run diff -- --base ${report.base.ref} ${stacks}\`.\n`
    );
  };
  let text = build() + cutNote();
  // Demote the longest stack one level at a time until it fits (or only summaries are left).
  while (text.length > limit) {
    const candidates = changed.filter((s) => detail.get(s.stack) !== "summary");
    if (candidates.length === 0) break;
    const longest = candidates.reduce((x, y) =>
      markdownStack(y, report, detail.get(y.stack)!).length > markdownStack(x, report, detail.get(x.stack)!).length
        ? y
        : x,
    );
    detail.set(longest.stack, detail.get(longest.stack) === "full" ? "files" : "summary");
    text = build() + cutNote();
  }
  if (text.length > limit) {
    // Only the table is left and it is still too long (thousands of stacks, or of errors).
    const note =
      `\n\n> **Cut at GitHub's ${limit.toLocaleString("en-US")}-character ` +
      `limit**; the full report: \`npm run diff -- --base ${report.base.ref}\`.\n`;
    text = text.slice(0, limit - note.length) + note;
  }
  return text;
}
