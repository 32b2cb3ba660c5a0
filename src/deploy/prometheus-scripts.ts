// The shell steps of the Prometheus component: check the files from stdin with promtool, swap them
// in (keeping the previous ones), check the result in place, restore on failure, reload.
import { posix } from "node:path";
import type { Placement } from "../build/artifact";
import { claimMachine, leaveIfOwnedByAnother, refuseOtherStack, releaseMachine, type Deployment } from "./deployment";
import { PUT_FILE, type PlacedFile } from "./put-file";
import { shellQuote } from "./shell";
import { UNPACK_STDIN } from "./stdin-files";

const q = shellQuote;

export interface PrometheusScriptOptions {
  deployment: Deployment;
  /** The server's main config (the artifact's `mainConfig`): checked whole after the swap. */
  configFile: string;
  files: PlacedFile[];
  reload: "http" | "sighup" | "systemctl";
  reloadUrl: string;
  service: string;
}

function reloadCommand(o: PrometheusScriptOptions): string {
  switch (o.reload) {
    case "http":
      return (
        `if command -v curl >/dev/null; then curl -fsS -m 30 -X POST ${q(o.reloadUrl)} ` +
        `>/dev/null; else wget -q -T 30 -O /dev/null --post-data= ${q(o.reloadUrl)}; fi`
      );
    case "sighup":
      return `systemctl kill --signal=SIGHUP --kill-whom=main -- ${q(o.service)}`;
    case "systemctl":
      return `systemctl reload -- ${q(o.service)}`;
  }
}

/** Runs as root with umask 077 and the files on stdin. */
export function prometheusApplyScript(o: PrometheusScriptOptions): string {
  const checked = (kind: Placement["check"]) => o.files.filter((f) => f.placement.check === kind);
  const rules = checked("rules").map((f) => `"$files"/${q(f.name)}`);
  return [
    "umask 077",
    `fail() { echo "wireguard-monitoring: prometheus: $*" >&2; exit 1; }`,
    UNPACK_STDIN,
    refuseOtherStack(o.deployment),
    'command -v promtool >/dev/null || fail "promtool not found on the Prometheus server"',
    "# 1. the new files on their own, before anything is swapped in",
    ...(rules.length > 0
      ? [
          `promtool check rules ${rules.join(" ")} >&2 || fail "the ` +
            `new rules failed promtool check rules; nothing was changed"`,
        ]
      : []),
    ...checked("config").map(
      (f) =>
        `promtool check config --syntax-only "$files"/${q(f.name)} >&2 || ` +
        `fail ${q(`the new ${f.name} failed promtool check config; nothing was changed`)}`,
    ),
    claimMachine(o.deployment),
    "# 2. swap in, remembering what was there",
    'backup=$work/backup; mkdir "$backup"; n=0 reload=0',
    PUT_FILE,
    "keep() {",
    '  if [ -f "$2" ] && cmp -s "$1" "$2"; then return 0; fi',
    '  n=$((n + 1)); if [ -e "$2" ]; then cp -p "$2" "$backup/$n"; echo ' +
      '"$n $2" >>"$backup/list"; else echo "- $2" >>"$backup/list"; fi',
    "}",
    "restore() {",
    '  [ -f "$backup/list" ] || return 0',
    '  while read -r k path; do if [ "$k" = - ]; then rm -f "$path"; ' +
      'else cp -p "$backup/$k" "$path"; fi; done <"$backup/list"',
    "}",
    ...keepingOriginal(o.files).map(
      ({ target, original }) => `[ ! -f ${target} ] || [ -f ${original} ] || cp -p ${target} ${original}`,
    ),
    // A group that may not exist on this server (e.g. `prometheus` for the password file) falls back to root.
    ...o.files.map((f) => {
      const args = `"$files"/${q(f.name)} ${q(f.placement.target)}`;
      return (
        `keep ${args}; grp=${q(f.placement.group)}; getent group "$grp" >/dev/null || ` +
        `grp=root; put ${args} ${f.placement.mode} "$grp" ${f.placement.restarts ? "yes" : "no"}`
      );
    }),
    "# 3. the whole configuration in place (rule files and secrets referenced by it); roll back on failure",
    `if ! promtool check config ${q(o.configFile)} >&2; then restore; ` +
      `fail ${q(`promtool check config ${o.configFile} failed after the swap; the previous files were restored`)}; fi`,
    "# 4. reload only when a file Prometheus does not re-read by itself changed",
    `if [ $restart = 1 ]; then ${reloadCommand(o)} || fail ${q(`reload (${o.reload}) failed`)}; fi`,
    'echo "prometheus: files changed: $changed, reloaded: $restart"',
  ].join("\n");
}

/** The files that replace one the user may own, quoted: where each goes and where the user's file is kept. */
function keepingOriginal(files: readonly PlacedFile[]): { target: string; original: string }[] {
  return files.flatMap(({ placement: p }) =>
    p.keepOriginal === undefined ? [] : [{ target: q(p.target), original: q(p.keepOriginal) }],
  );
}

/** Runs as root: removes what the apply step installed, puts back the files it replaced, reloads. */
export function prometheusRemoveScript(o: PrometheusScriptOptions): string {
  const installed = o.files.filter((f) => f.placement.keepOriginal === undefined);
  const removable = installed.map((f) => q(f.placement.target));
  const dirs = [...new Set(installed.map((f) => q(posix.dirname(f.placement.target))))];
  return [
    leaveIfOwnedByAnother(o.deployment),
    ...(removable.length > 0 ? [`rm -f ${removable.join(" ")}`] : []),
    // Directories the apply step may have created; left alone when anything else is in them.
    ...(dirs.length > 0
      ? [`for d in ${dirs.join(" ")}; do [ ! -d "$d" ] || rmdir --ignore-fail-on-non-empty "$d"; done`]
      : []),
    // Without a user's original, the installed file stays: Prometheus needs a config.
    ...keepingOriginal(o.files).map(({ target, original }) => `[ ! -f ${original} ] || mv -f ${original} ${target}`),
    releaseMachine(o.deployment),
    `${reloadCommand(o)} || ` +
      `echo ${q(`wireguard-monitoring: prometheus: reload (${o.reload}) after removal failed`)} >&2`,
    'echo "prometheus: files removed"',
  ].join("\n");
}
