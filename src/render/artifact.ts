// An artifact is one generated file: where it goes under out/<stack>/ (or the repo), and its bytes.

export interface Artifact {
  /** Path relative to the output root, with forward slashes (e.g. `prometheus/prometheus.yml`). */
  path: string;
  content: string;
  /** What the summary counts it as. */
  kind: "prometheus" | "targets" | "rules" | "dashboard" | "systemd" | "peers" | "web-config" | "logs" | "other";
  /** The WireGuard host it belongs to, for per-host files. */
  host?: string;
}

/** JSON as committed: 2-space indent, trailing newline; callers pass objects built in a stable key order. */
export function jsonText(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
