// The shell steps of the host component: install (create/update) and remove (delete). Pure text,
// so tests read them and the e2e runs exactly these over SSH.
import { EXPORTER_SERVICE, EXPORTER_USER, HOST_PATHS } from "../hosts/paths";
import { shellQuote } from "./shell";

/** One staged file and where it is installed; `group` gets read access when mode allows it. */
export interface Placement {
  staged: string;
  target: string;
  mode: "0644" | "0640" | "0755";
  group: "root" | typeof EXPORTER_USER;
  /** Whether a change needs the exporter restarted (the peers file is reloaded by the exporter itself). */
  restarts: boolean;
}

export interface HostScriptOptions {
  host: string;
  /** Units started before the exporter and stopped after it (the wg helper's socket). */
  helperUnits: string[];
  installNode: boolean;
  placements: Placement[];
  healthUrl: string;
  /** With basic auth, the install step reads the password from stdin to call /health. */
  healthUser?: string;
}

const q = shellQuote;
const SYSTEMD_UNIT_DIR = "/etc/systemd/system";

/** Runs as root with $1 = staging directory. Idempotent: unchanged files are not rewritten. */
export function installScript(o: HostScriptOptions): string {
  const fail = `fail() { echo "wireguard-monitoring: host ${o.host}: $*" >&2; exit 1; }`;
  const nodeMajor = `node_major() { ${HOST_PATHS.nodeBinary} -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }`;
  const installNode = o.installNode
    ? [
        `  export DEBIAN_FRONTEND=noninteractive`,
        `  { apt-get -q update && apt-get -q install -y nodejs; } >/dev/null || fail "installing the distribution's nodejs package failed"`,
        `  [ "$(node_major)" -ge 18 ] || fail "the distribution's nodejs is $(${HOST_PATHS.nodeBinary} --version); the exporter needs Node.js >= 18"`,
      ]
    : [`  fail "Node.js >= 18 is required at ${HOST_PATHS.nodeBinary} (found: $(${HOST_PATHS.nodeBinary} --version 2>/dev/null || echo none)); install it or set installNode: true for this host"`];
  return [
    "stage=$1",
    fail,
    nodeMajor,
    o.healthUser ? `IFS= read -r health_password || true` : "health_password=",
    `if [ "$(node_major)" -lt 18 ]; then`,
    ...installNode,
    "fi",
    `getent group ${EXPORTER_USER} >/dev/null || groupadd --system ${EXPORTER_USER}`,
    `getent passwd ${EXPORTER_USER} >/dev/null || useradd --system --gid ${EXPORTER_USER} --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin --comment "WireGuard Prometheus exporter" ${EXPORTER_USER}`,
    "changed=0 restart=0",
    "# put STAGED TARGET MODE GROUP RESTARTS: install only when content, mode or owner differ",
    "put() {",
    '  [ -f "$stage/$1" ] || fail "staged file $1 is missing"',
    '  if [ -f "$2" ] && cmp -s "$stage/$1" "$2" && [ "$(stat -c %a:%U:%G "$2")" = "${3#0}:root:$4" ]; then return 0; fi',
    '  install -D -m "$3" -o root -g "$4" "$stage/$1" "$2"',
    '  changed=1; [ "$5" = no ] || restart=1',
    "}",
    ...o.placements.map((p) => `put ${q(p.staged)} ${q(p.target)} ${p.mode} ${p.group} ${p.restarts ? "yes" : "no"}`),
    `if [ $changed = 1 ]; then systemctl daemon-reload; fi`,
    `for unit in ${[...o.helperUnits, EXPORTER_SERVICE].join(" ")}; do`,
    '  systemctl is-enabled --quiet "$unit" || systemctl enable --quiet "$unit"',
    '  if ! systemctl is-active --quiet "$unit"; then systemctl start "$unit"; elif [ $restart = 1 ]; then systemctl restart "$unit"; fi',
    "done",
    `export WGM_HEALTH_URL=${q(o.healthUrl)} WGM_HEALTH_USER=${q(o.healthUser ?? "")} WGM_HEALTH_PASSWORD="$health_password"`,
    `if ! ${HOST_PATHS.nodeBinary} -e ${q(HEALTH_WAIT)}; then journalctl -u ${EXPORTER_SERVICE} -n 20 --no-pager >&2 || true; fail "${EXPORTER_SERVICE} did not become healthy"; fi`,
    `echo "host ${o.host}: ${EXPORTER_SERVICE} healthy (files changed: $changed, restarted: $restart)"`,
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

/** Runs as root: stops the exporter and removes everything installScript made. */
export function removeScript(o: Pick<HostScriptOptions, "helperUnits" | "placements">): string {
  const targets = o.placements.map((p) => q(p.target)).join(" ");
  // Directories `install -D` may have created (the exporter's own, Filebeat's inputs dir) go when
  // empty; systemd's unit directory is never a candidate.
  const dirs = [...new Set(o.placements.map((p) => p.target.replace(/\/[^/]+$/, "")))]
    .filter((d) => d !== SYSTEMD_UNIT_DIR)
    .map(q)
    .join(" ");
  return [
    `for unit in ${[EXPORTER_SERVICE, ...o.helperUnits].join(" ")}; do systemctl disable --now --quiet "$unit" 2>/dev/null || true; done`,
    `rm -f ${targets}`,
    `for d in ${dirs}; do [ ! -d "$d" ] || rmdir --ignore-fail-on-non-empty "$d"; done`,
    "systemctl daemon-reload",
    `systemctl reset-failed ${[EXPORTER_SERVICE, ...o.helperUnits].join(" ")} 2>/dev/null || true`,
    `! getent passwd ${EXPORTER_USER} >/dev/null || userdel ${EXPORTER_USER}`,
    `! getent group ${EXPORTER_USER} >/dev/null || groupdel ${EXPORTER_USER}`,
  ].join("\n");
}
