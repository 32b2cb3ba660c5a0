// The shell steps of the Prometheus component: check the staged files with promtool, swap them
// in (keeping the previous ones), check the result in place, restore on failure, reload.
import { posix } from "node:path";
import { shellQuote } from "./shell";

const q = shellQuote;

/** A user's own prometheus.yml is kept here when `configMode: full` replaces it, and restored on delete. */
export const ORIGINAL_SUFFIX = ".before-wireguard-monitoring";

export interface PrometheusPlacement {
  staged: string;
  target: string;
  kind: "config" | "fragment" | "targets" | "rules" | "secret";
}

export interface PrometheusScriptOptions {
  configFile: string;
  configMode: "full" | "fragment";
  placements: PrometheusPlacement[];
  reload: "http" | "sighup" | "systemctl";
  reloadUrl: string;
  service: string;
}

function reloadCommand(o: PrometheusScriptOptions): string {
  switch (o.reload) {
    case "http":
      return `if command -v curl >/dev/null; then curl -fsS -m 30 -X POST ${q(o.reloadUrl)} >/dev/null; else wget -q -T 30 -O /dev/null --post-data= ${q(o.reloadUrl)}; fi`;
    case "sighup":
      return `systemctl kill --signal=SIGHUP --kill-whom=main ${q(o.service)}`;
    case "systemctl":
      return `systemctl reload ${q(o.service)}`;
  }
}

/** Runs as root with $1 = staging directory. */
export function prometheusApplyScript(o: PrometheusScriptOptions): string {
  const staged = (kind: PrometheusPlacement["kind"]) => o.placements.filter((p) => p.kind === kind).map((p) => `"$stage"/${q(p.staged)}`);
  const rules = staged("rules");
  const config = staged("config");
  const fragment = staged("fragment");
  return [
    "stage=$1",
    `fail() { echo "wireguard-monitoring: prometheus: $*" >&2; exit 1; }`,
    "command -v promtool >/dev/null || fail \"promtool not found on the Prometheus server\"",
    "# 1. the staged files on their own, before anything is swapped in",
    ...(rules.length > 0 ? [`promtool check rules ${rules.join(" ")} >&2 || fail "staged rules failed promtool check rules; nothing was changed"`] : []),
    ...[...config, ...fragment].map((f) => `promtool check config --syntax-only ${f} >&2 || fail "staged ${f.replace(/^"\$stage"\//, "")} failed promtool check config; nothing was changed"`),
    "# 2. swap in, remembering what was there",
    'backup=$(mktemp -d "$stage/.backup.XXXXXX") && trap \'rm -rf "$backup"\' EXIT',
    "changed=0 n=0",
    "put() {",
    '  [ -f "$stage/$1" ] || fail "staged file $1 is missing"',
    '  if [ -f "$2" ] && cmp -s "$stage/$1" "$2"; then return 0; fi',
    '  n=$((n + 1)); if [ -e "$2" ]; then cp -p "$2" "$backup/$n"; echo "$n $2" >>"$backup/list"; else echo "- $2" >>"$backup/list"; fi',
    '  install -D -m "$3" -o root -g "$4" "$stage/$1" "$2"; changed=1',
    "}",
    "restore() {",
    '  [ -f "$backup/list" ] || return 0',
    '  while read -r k path; do if [ "$k" = - ]; then rm -f "$path"; else cp -p "$backup/$k" "$path"; fi; done <"$backup/list"',
    "}",
    ...(o.configMode === "full" ? [`[ ! -f ${q(o.configFile)} ] || [ -f ${q(o.configFile + ORIGINAL_SUFFIX)} ] || cp -p ${q(o.configFile)} ${q(o.configFile + ORIGINAL_SUFFIX)}`] : []),
    'secret_group=root; if getent group prometheus >/dev/null; then secret_group=prometheus; fi',
    ...o.placements.map((p) => (p.kind === "secret" ? `put ${q(p.staged)} ${q(p.target)} 0640 "$secret_group"` : `put ${q(p.staged)} ${q(p.target)} 0644 root`)),
    "# 3. the whole configuration in place (rule files and secrets referenced by it); roll back on failure",
    `if ! promtool check config ${q(o.configFile)} >&2; then restore; fail "promtool check config ${o.configFile} failed after the swap; the previous files were restored"; fi`,
    "# 4. reload only when something changed",
    `if [ $changed = 1 ]; then ${reloadCommand(o)} || fail "reload (${o.reload}) failed"; fi`,
    'echo "prometheus: files changed: $changed"',
  ].join("\n");
}

/** Runs as root: removes what the apply step installed, restores a replaced prometheus.yml, reloads. */
export function prometheusRemoveScript(o: PrometheusScriptOptions): string {
  const removable = o.placements.filter((p) => p.kind !== "config").map((p) => q(p.target));
  const original = q(o.configFile + ORIGINAL_SUFFIX);
  const dirs = [...new Set(o.placements.filter((p) => p.kind !== "config").map((p) => q(posix.dirname(p.target))))];
  return [
    ...(removable.length > 0 ? [`rm -f ${removable.join(" ")}`] : []),
    // Directories the apply step may have created; left alone when anything else is in them.
    ...(dirs.length > 0 ? [`for d in ${dirs.join(" ")}; do [ ! -d "$d" ] || rmdir --ignore-fail-on-non-empty "$d"; done`] : []),
    // Without a user's original, the generated prometheus.yml stays: Prometheus needs a config.
    ...(o.configMode === "full" ? [`[ ! -f ${original} ] || mv -f ${original} ${q(o.configFile)}`] : []),
    `${reloadCommand(o)} || echo "wireguard-monitoring: prometheus: reload (${o.reload}) after removal failed" >&2`,
  ].join("\n");
}
