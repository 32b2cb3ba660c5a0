// The shell steps of the host component: install (the Command's create and update) and remove (its
// delete). Pure text, so tests read them and the lifecycle tests run exactly these over SSH.
import { posix } from "node:path";
import type { Placement } from "../build/artifact";
import { EXPORTER_USER, HOST_PATHS } from "../build/hosts/paths";
import { claimMachine, leaveIfOwnedByAnother, refuseOtherStack, releaseMachine, type Deployment } from "./deployment";
import { shellQuote } from "./shell";
import { PUT_FILE, type PlacedFile } from "./put-file";
import { UNPACK_STDIN } from "./stdin-files";

export interface HostScriptOptions {
  host: string;
  deployment: Deployment;
  installNode: boolean;
  /** The files on stdin; those whose placement names a service say which units run and in which order. */
  files: PlacedFile[];
  /** The exporter bundle: its sha256 and where it is installed. The staged copy is $1. */
  bundle: { sha256: string; placement: Placement };
  healthUrl: string;
  /** With basic auth, stdin carries the password (file HEALTH_PASSWORD_FILE) to call /health. */
  healthUser?: string;
}

/** Not installed anywhere: read by the install step to call /health with basic auth. */
export const HEALTH_PASSWORD_FILE = "health-password";

const q = shellQuote;
const word = (text: string) => (/^[A-Za-z0-9_.-]+$/.test(text) ? text : q(text));

/** The units the files install that the host keeps running: the ones the main service needs, then it. */
export function hostServices(o: Pick<HostScriptOptions, "host" | "files">): { before: string[]; main: string } {
  const units = (service: Placement["service"]) =>
    o.files.filter((f) => f.placement.service === service).map((f) => posix.basename(f.placement.target));
  const main = units("main");
  if (main.length !== 1)
    throw new Error(`host ${o.host}: expected one file placed as the main service, got ${main.length}`);
  return { before: units("before-main"), main: main[0]! };
}

/** Runs as root with umask 077, the files on stdin and $1 = the uploaded exporter bundle. Idempotent. */
export function installScript(o: HostScriptOptions): string {
  // Stack values in messages are shell words of their own (quoted), never inside "…".
  const fail = `fail() { echo ${q(`wireguard-monitoring: host ${o.host}:`)} "$*" >&2; exit 1; }`;
  const nodeMajor =
    `node_major() { ${HOST_PATHS.nodeBinary} -p 'process.versions.node.split(".")[0]' ` + "2>/dev/null || echo 0; }";
  const installNode = o.installNode
    ? [
        `  export DEBIAN_FRONTEND=noninteractive`,
        `  { apt-get -q update && apt-get -q install -y nodejs; } >/dev/null ` +
          `|| fail "installing the distribution's nodejs package failed"`,
        `  [ "$(node_major)" -ge 18 ] || fail "the distribution's nodejs is ` +
          `$(${HOST_PATHS.nodeBinary} --version); the exporter needs Node.js >= 18"`,
      ]
    : [
        `  fail "Node.js >= 18 is required at ${HOST_PATHS.nodeBinary} (found: $(${HOST_PATHS.nodeBinary} ` +
          `--version 2>/dev/null || echo none)); install it or set installNode: true for this host"`,
      ];
  const bundle = q(o.bundle.placement.target);
  const bundlePlacement = o.bundle.placement;
  const { before, main } = hostServices(o);
  const unhealthy = `journalctl -u ${main} -n 20 --no-pager >&2 || true; fail "${main} did not become healthy"`;
  return [
    "umask 077",
    "staged_bundle=$1",
    fail,
    UNPACK_STDIN,
    refuseOtherStack(o.deployment),
    nodeMajor,
    `health_password=; if [ -f "$files/${HEALTH_PASSWORD_FILE}" ]; then IFS= ` +
      `read -r health_password <"$files/${HEALTH_PASSWORD_FILE}" || true; fi`,
    `if [ "$(node_major)" -lt 18 ]; then`,
    ...installNode,
    "fi",
    claimMachine(o.deployment),
    `getent group ${EXPORTER_USER} >/dev/null || groupadd --system ${EXPORTER_USER}`,
    `getent passwd ${EXPORTER_USER} >/dev/null || useradd --system --gid ${EXPORTER_USER} --no-create-home ` +
      `--home-dir /nonexistent --shell /usr/sbin/nologin --comment "WireGuard Prometheus ` +
      `exporter" ${EXPORTER_USER}`,
    PUT_FILE,
    "# the bundle: from the upload only when the installed one is not already this build",
    `if [ ! -f ${bundle} ] || [ "$(sha256sum <${bundle} | cut -d' ' -f1)" != ${o.bundle.sha256} ]; then`,
    `  [ -f "$staged_bundle" ] || fail "the exporter bundle was not uploaded to $staged_bundle"`,
    '  cp "$staged_bundle" "$work/bundle"',
    `  [ "$(sha256sum <"$work/bundle" | cut -d' ' -f1)" = ${o.bundle.sha256} ] || ` +
      `fail "$staged_bundle is not the bundle this deployment built (sha256 differs)"`,
    `  put "$work/bundle" ${bundle} ${bundlePlacement.mode} ${word(bundlePlacement.group)} ` +
      (bundlePlacement.restarts ? "yes" : "no"),
    "fi",
    ...o.files.map(
      (f) =>
        `put "$files"/${q(f.name)} ${q(f.placement.target)} ${f.placement.mode} ${q(f.placement.group)} ` +
        (f.placement.restarts ? "yes" : "no"),
    ),
    `if [ $changed = 1 ]; then systemctl daemon-reload; fi`,
    `for unit in ${[...before, main].join(" ")}; do`,
    '  systemctl is-enabled --quiet "$unit" || systemctl enable --quiet "$unit"',
    '  if ! systemctl is-active --quiet "$unit"; then systemctl start ' +
      '"$unit"; elif [ $restart = 1 ]; then systemctl restart "$unit"; fi',
    "done",
    `export WGM_HEALTH_URL=${q(o.healthUrl)} ` +
      `WGM_HEALTH_USER=${q(o.healthUser ?? "")} WGM_HEALTH_PASSWORD="$health_password"`,
    `if ! ${HOST_PATHS.nodeBinary} -e ${q(HEALTH_WAIT)}; then ${unhealthy}; fi`,
    "# uploads of earlier builds are not needed any more",
    'for f in "$(dirname "$staged_bundle")"/wireguard-exporter-*.cjs; ' +
      'do [ "$f" = "$staged_bundle" ] || rm -f "$f"; done',
    `echo ${q(`host ${o.host}: ${main} healthy`)} "(files changed: $changed, restarted: $restart)"`,
  ].join("\n");
}

/**
 * Polls /health for up to 30 s; only HTTP 200 counts (the last collection worked). With TLS the
 * certificate is not verified: it names the host as Prometheus reaches it, not 127.0.0.1.
 */
const HEALTH_WAIT = `
const url = new URL(process.env.WGM_HEALTH_URL);
const http = require(url.protocol === "https:" ? "https" : "http");
const user = process.env.WGM_HEALTH_USER, password = process.env.WGM_HEALTH_PASSWORD;
const headers = user ? { authorization: "Basic " + Buffer.from(user + ":" + password).toString("base64") } : {};
const deadline = Date.now() + 30000;
function retry(why) {
  if (Date.now() > deadline) { console.error("health check " + url + ": " + why); process.exit(1); }
  setTimeout(poll, 250);
}
function poll() {
  const req = http.get(url, { headers, rejectUnauthorized: false, timeout: 2000 }, (res) => {
    res.resume();
    if (res.statusCode === 200) process.exit(0);
    retry("HTTP " + res.statusCode);
  });
  req.on("timeout", () => req.destroy(new Error("timeout")));
  req.on("error", (e) => retry(e.message));
}
poll();
`.trim();

/**
 * Runs as root with $1 = the upload directory: stops the exporter and removes everything
 * installScript made — unless another deployment owns the machine by now (a rename or a move to
 * the same machine under another address), which it then leaves in place.
 */
export function removeScript(o: Pick<HostScriptOptions, "host" | "deployment" | "files" | "bundle">): string {
  const placements = [o.bundle.placement, ...o.files.map((f) => f.placement)];
  const paths = placements.map((p) => p.target);
  // Directories `put` may have created (the exporter's own, Filebeat's inputs dir) go when empty;
  // one a placement shares with the system never does.
  const shared = new Set(placements.filter((p) => p.sharedDir).map((p) => posix.dirname(p.target)));
  const dirs = [...new Set(paths.map((p) => posix.dirname(p)))]
    .filter((d) => !shared.has(d))
    .map(q)
    .join(" ");
  const { before, main } = hostServices(o);
  const units = [main, ...before].join(" ");
  return [
    leaveIfOwnedByAnother(o.deployment),
    `for unit in ${units}; do systemctl disable --now --quiet "$unit" 2>/dev/null || true; done`,
    `rm -f ${paths.map(q).join(" ")}`,
    `for d in ${dirs}; do [ ! -d "$d" ] || rmdir --ignore-fail-on-non-empty "$d"; done`,
    "systemctl daemon-reload",
    `systemctl reset-failed ${units} 2>/dev/null || true`,
    `! getent passwd ${EXPORTER_USER} >/dev/null || userdel ${EXPORTER_USER}`,
    `! getent group ${EXPORTER_USER} >/dev/null || groupdel ${EXPORTER_USER}`,
    releaseMachine(o.deployment),
    'rm -rf "$1"; rmdir "$(dirname "$1")" 2>/dev/null || true',
    `echo ${q(`host ${o.host}: exporter removed`)}`,
  ].join("\n");
}
