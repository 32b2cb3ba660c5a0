// An artifact is one generated file: where it goes under out/<stack>/ (or the repo), its bytes,
// and — for files a deploy component installs — where it goes on its machine.

/** Where a deploy component installs an artifact. The builder decides; components only follow. */
export interface Placement {
  /** Absolute path on the machine. */
  target: string;
  /** Octal mode; files holding secrets or hashes of them are never readable by others. */
  mode: "0600" | "0640" | "0644" | "0755";
  /** Group owner (the owner is always root); with 0640 that group may read it. */
  group: string;
  /** Whether a change to it needs the service restarted (a file the service reloads by itself does not). */
  restarts: boolean;
  /**
   * A systemd unit the component enables and keeps running, named as its target's file: the service itself
   * (`main`: started last, stopped first, checked for health) or a unit it needs (`before-main`).
   */
  service?: "main" | "before-main";
  /** What promtool checks it as before anything is swapped in. */
  check?: "config" | "rules";
  /**
   * It replaces a file the user may own: the first install keeps that file at this path, and a delete moves
   * it back. Without one, the installed file stays on delete: the service cannot start without it.
   */
  keepOriginal?: string;
  /** Its directory belongs to the system (systemd's unit directory): a delete never removes it, even when empty. */
  sharedDir?: boolean;
}

export interface Artifact {
  /** Path relative to the output root, with forward slashes (e.g. `prometheus/prometheus.yml`). */
  path: string;
  content: string;
  /** What the summary counts it as. */
  kind:
    | "prometheus"
    | "targets"
    | "rules"
    | "alertmanager"
    | "dashboard"
    | "systemd"
    | "peers"
    | "web-config"
    | "logs"
    | "other";
  /** The WireGuard host it belongs to, for per-host files. */
  host?: string;
  /** The Prometheus server it belongs to (PrometheusServer.name: "prometheus" for a stack's single server). */
  prometheusServer?: string;
  /** Where it is installed, for files the host or Prometheus component puts on a machine. */
  placement?: Placement;
  /**
   * A server's main config: the path that server loads its configuration from, which its component checks
   * whole after every swap. Installed there only when it has a placement; otherwise the user's own file
   * there includes the scrape fragment.
   */
  mainConfig?: string;
  /** A secret the deploy adds to the content, which the builder never sees: the exporters' basic-auth users. */
  deployFills?: "basic-auth-users";
  /** Grafana dashboards: the uid the stack deploys it under. */
  dashboardUid?: string;
}

/** JSON as committed: 2-space indent, trailing newline; callers pass objects built in a stable key order. */
export function jsonText(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
