// Runs the BUILT exporter bundle (exporter/dist/wireguard-exporter.cjs) as a real process.
//
//   const e = await startExporter({ args: [`--wireguard.interfaces=${t.serverIf}`] });
//   await fetch(e.url + "/metrics"); e.logs(); await e.stop();
//
// It listens on 127.0.0.1:<free port> in the root namespace (port 0; the real port is read
// from its "listening" log line), so a Prometheus in the root namespace can scrape it. It
// reaches a tunnel's wireguard-go through the host-global UAPI socket, so no netns wrapper is
// needed for wireguard-go interfaces; `netns` runs it inside a namespace instead (then it is
// reachable only from there). The bundle is (re)built once per test process if it is missing
// or older than exporter/src.
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { EXPORTER_NODE_FLAGS } from "../../src/build/hosts/systemd-unit";

const REPO_ROOT = resolve(__dirname, "../..");
const BUNDLE = join(REPO_ROOT, "exporter/dist/wireguard-exporter.cjs");

interface LogLine {
  ts?: string;
  level?: string;
  msg: string;
  [k: string]: unknown;
}

export interface ExporterOptions {
  args?: string[];
  peersFile?: string; // path, passed as --wireguard.peers-file
  netns?: string; // run inside this network namespace (ip netns exec)
  listen?: string; // default 127.0.0.1:0
}

export interface RunningExporter {
  url: string; // http(s)://127.0.0.1:<port>
  port: number;
  pid: number;
  logs(): LogLine[];
  stdout(): string;
  waitForLog(pred: (l: LogLine) => boolean, ms?: number): Promise<LogLine>;
  /** SIGTERM; resolves with the exit code. */
  stop(): Promise<number | null>;
  kill(): void;
  exited: Promise<number | null>;
}

let built = false;
export function ensureBundle(): string {
  if (built) return BUNDLE;
  const newest = (dir: string): number =>
    Math.max(
      0,
      ...readdirSync(dir, { withFileTypes: true }).map((d) =>
        d.isDirectory() ? newest(join(dir, d.name)) : statSync(join(dir, d.name)).mtimeMs,
      ),
    );
  if (!existsSync(BUNDLE) || statSync(BUNDLE).mtimeMs < newest(join(REPO_ROOT, "exporter/src"))) {
    try {
      execFileSync(join(REPO_ROOT, "node_modules", ".bin", "tsx"), [join(REPO_ROOT, "exporter/build.ts")], {
        cwd: REPO_ROOT,
        stdio: "pipe",
      });
    } catch (e) {
      throw new Error(
        `cannot build the exporter bundle (npm run build): ${(e as { stderr?: Buffer }).stderr?.toString() ?? e}`,
      );
    }
  }
  if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} missing after build`);
  built = true;
  return BUNDLE;
}

const running = new Set<ChildProcess>();
process.once("exit", () => {
  for (const p of running) p.kill("SIGKILL");
});

export async function startExporter(o: ExporterOptions = {}): Promise<RunningExporter> {
  const bundle = ensureBundle();
  // node's flags as the generated systemd unit passes them (src/build/hosts/systemd-unit.ts)
  const args = [
    ...EXPORTER_NODE_FLAGS,
    bundle,
    `--web.listen-address=${o.listen ?? "127.0.0.1:0"}`,
    ...(o.peersFile ? [`--wireguard.peers-file=${o.peersFile}`] : []),
    ...(o.args ?? []),
  ];
  const child = o.netns
    ? spawn("ip", ["netns", "exec", o.netns, process.execPath, ...args], { stdio: ["ignore", "pipe", "pipe"] })
    : spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
  running.add(child);
  const lines: LogLine[] = [];
  let out = "";
  let partial = "";
  const waiters = new Set<() => void>();
  child.stdout!.on("data", (b: Buffer) => (out += b.toString()));
  child.stderr!.on("data", (b: Buffer) => {
    partial += b.toString();
    const parts = partial.split("\n");
    partial = parts.pop()!;
    for (const raw of parts) {
      if (!raw.trim()) continue;
      try {
        lines.push(JSON.parse(raw) as LogLine);
      } catch {
        lines.push({ msg: raw, unparsed: true });
      }
    }
    for (const w of waiters) w();
  });
  const exited = new Promise<number | null>((r) =>
    child.once("exit", (code) => {
      running.delete(child);
      for (const w of waiters) w();
      r(code);
    }),
  );
  const waitForLog = (pred: (l: LogLine) => boolean, ms = 10_000) =>
    new Promise<LogLine>((resolveLog, reject) => {
      const check = () => {
        const hit = lines.find(pred);
        if (hit) return done(() => resolveLog(hit));
        if (child.exitCode !== null)
          done(() => reject(new Error(`exporter exited (${child.exitCode}); logs:\n${JSON.stringify(lines)}`)));
      };
      const timer = setTimeout(
        () =>
          done(() =>
            reject(
              new Error(`timed out waiting for a log line; logs:\n${lines.map((l) => JSON.stringify(l)).join("\n")}`),
            ),
          ),
        ms,
      );
      const done = (f: () => void) => {
        clearTimeout(timer);
        waiters.delete(check);
        f();
      };
      waiters.add(check);
      check();
    });
  const listening = await waitForLog((l) => l.msg === "listening");
  const port = listening.port as number;
  const scheme = listening.tls ? "https" : "http";
  return {
    url: `${scheme}://127.0.0.1:${port}`,
    port,
    pid: child.pid!,
    logs: () => [...lines],
    stdout: () => out,
    waitForLog,
    exited,
    stop: async () => {
      if (child.exitCode === null) child.kill("SIGTERM");
      const t = setTimeout(() => child.kill("SIGKILL"), 5000);
      const code = await exited;
      clearTimeout(t);
      return code;
    },
    kill: () => {
      if (child.exitCode === null) child.kill("SIGKILL");
    },
  };
}

/** Value of one series in exposition text, matched by metric name and label subset. */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split("\n")) {
    if (!line.startsWith(name) || (line[name.length] !== "{" && line[name.length] !== " ")) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`)))
      return Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return undefined;
}
