// A picture of a dashboard's layout for pull requests: Grafana's 24-column grid with each panel
// as a box (title, type, unit), rows as bars, variables and links in the header. Pure and
// deterministic — a function of the dashboard JSON only — so it is committed and diffs like text.
import type * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";

const COL = 40; // px per grid column (24 columns)
const ROW = 28; // px per grid row unit
const PAD = 16;
const HEADER = 64;
const FONT = "DejaVu Sans, Verdana, sans-serif";

/** Fill colour per panel type, so a type change is visible at a glance. */
const TYPE_FILL: Record<string, string> = {
  stat: "#dbeafe",
  timeseries: "#dcfce7",
  table: "#fef3c7",
  piechart: "#fce7f3",
  bargauge: "#e0e7ff",
  "state-timeline": "#ccfbf1",
  row: "#e5e7eb",
};

function esc(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** Cuts text to what fits in `px` at roughly `charPx` per character. */
function fit(text: string, px: number, charPx: number): string {
  const max = Math.max(1, Math.floor(px / charPx));
  return text.length <= max ? text : `${text.slice(0, Math.max(1, max - 1))}…`;
}

/** Splits text into at most `lines` lines of words that fit `px`; the last line is cut with "…". */
function wrap(text: string, px: number, charPx: number, lines: number): string[] {
  const max = Math.max(1, Math.floor(px / charPx));
  const out: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    const next = line ? `${line} ${word}` : word;
    if (next.length <= max || !line) line = next;
    else {
      out.push(line);
      line = word;
    }
  }
  out.push(line);
  if (out.length <= lines) return out.map((l) => fit(l, px, charPx));
  return [...out.slice(0, lines - 1), fit(`${out.slice(lines - 1).join(" ")}`, px, charPx).replace(/[^…]$/, "…")];
}

interface Box {
  type: string;
  title: string;
  unit?: string;
  queries: number;
  x: number;
  y: number;
  w: number;
  h: number;
}

function boxes(model: dashboard.Dashboard): Box[] {
  return (model.panels ?? []).map((p) => {
    const panel = p as dashboard.Panel;
    const g = panel.gridPos ?? { x: 0, y: 0, w: 24, h: 1 };
    return {
      type: panel.type,
      title: panel.title ?? "",
      unit: panel.fieldConfig?.defaults?.unit,
      queries: panel.targets?.length ?? 0,
      x: g.x ?? 0,
      y: g.y ?? 0,
      w: g.w,
      h: g.h,
    };
  });
}

export function layoutSvg(model: dashboard.Dashboard): string {
  const all = boxes(model);
  const gridRows = Math.max(1, ...all.map((b) => b.y + b.h));
  const width = PAD * 2 + 24 * COL;
  const height = HEADER + gridRows * ROW + PAD * 2;
  const vars = (model.templating?.list ?? []).map((v) => `$${v.name}${v.multi ? "*" : ""}`).join("  ");
  const links = (model.links ?? []).map((l) => `→ ${l.title}`).join("  ");
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" ` +
      `height="${height}" viewBox="0 0 ${width} ${height}" font-family="${FONT}">`,
    `<rect width="${width}" height="${height}" fill="#f9fafb"/>`,
    `<text x="${PAD}" y="${PAD + 14}" font-size="18" ` +
      `font-weight="bold" fill="#111827">${esc(model.title ?? "")}</text>`,
    `<text x="${width - PAD}" y="${PAD + 14}" font-size="12" text-anchor="end" ` +
      `fill="#6b7280">uid ${esc(model.uid ?? "")}${model.editable === false ? " · read-only" : ""}</text>`,
    `<text x="${PAD}" y="${PAD + 36}" font-size="12" fill="#374151">variables: ${esc(vars)}  (* = multi)</text>`,
    `<text x="${width - PAD}" y="${PAD + 36}" font-size="12" text-anchor="end" fill="#374151">${esc(links)}</text>`,
  ];
  // faint column guides every 6 columns
  for (let c = 0; c <= 24; c += 6) {
    const x = PAD + c * COL;
    out.push(
      `<line x1="${x}" y1="${HEADER}" x2="${x}" ` +
        `y2="${HEADER + gridRows * ROW}" stroke="#e5e7eb" stroke-dasharray="2 4"/>`,
    );
  }
  for (const b of all) {
    const x = PAD + b.x * COL + 2;
    const y = HEADER + b.y * ROW + 2;
    const w = b.w * COL - 4;
    const h = b.h * ROW - 4;
    const fill = TYPE_FILL[b.type] ?? "#f3f4f6";
    if (b.type === "row") {
      out.push(`<rect x="${x}" y="${y}" width="${w}" height="${h}" rx="3" fill="${fill}"/>`);
      out.push(
        `<text x="${x + 8}" y="${y + h / 2 + 5}" font-size="13" font-weight="bold" ` +
          `fill="#1f2937">▾ ${esc(fit(b.title, w - 24, 8))}</text>`,
      );
      continue;
    }
    out.push(`<rect x="${x}" y="${y}" width="${w}" height="${h}" rx="4" fill="${fill}" stroke="#9ca3af"/>`);
    const title = wrap(b.title, w - 16, 7.6, 2);
    title.forEach((line, i) => {
      out.push(
        `<text x="${x + 8}" y="${y + 18 + i * 16}" font-size="13" ` +
          `font-weight="bold" fill="#111827">${esc(line)}</text>`,
      );
    });
    const details = [
      `${b.type}${b.unit ? ` · ${b.unit}` : ""}`,
      `${b.queries} ${b.queries === 1 ? "query" : "queries"}`,
    ];
    details.forEach((line, i) => {
      out.push(
        `<text x="${x + 8}" y="${y + 20 + title.length * 16 + i * 14}" ` +
          `font-size="11" fill="#4b5563">${esc(fit(line, w - 16, 6.4))}</text>`,
      );
    });
    out.push(
      `<text x="${x + w - 6}" y="${y + h - 6}" font-size="10" ` +
        `text-anchor="end" fill="#9ca3af">${b.w}×${b.h} @ ${b.x},${b.y}</text>`,
    );
  }
  out.push("</svg>");
  return `${out.join("\n")}\n`;
}
