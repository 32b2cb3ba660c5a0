// A real Prometheus (/usr/bin/prometheus, the Debian package) for tests, on 127.0.0.1:<free port>
// with its own temp dir (config, rule files, extra files, TSDB). Only the process it started is
// ever signalled, by PID; the temp dir is removed on stop().
//
//   const p = await startPrometheus({
//     configYaml: (dir, port) => `scrape_configs: [...]`,   // or configFile: "/path/prometheus.yml"
//     rulesFiles: { "wireguard.rules.yml": text },      // written to <dir>/rules/, appended to rule_files
//     extraFiles: { "targets/wireguard.json": json },   // written to <dir>/<path> before start
//   });
//   await p.waitFor(async () => (await p.query('up == 1')).length > 0, { what: "target up" });
//   const firing = (await p.alerts()).filter((a) => a.state === "firing");
//   await p.stop();
//
// When the config has no `global` intervals, 1s scrape and evaluation intervals are filled in.
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { dump, load } from "js-yaml";
import { endChild } from "./end-child";

const PROMETHEUS = "/usr/bin/prometheus";
export const PROMTOOL = "/usr/bin/promtool";

export interface PrometheusOptions {
  /**
   * The prometheus.yml text, or a function of the temp dir and Prometheus's own port (to point at files written there).
   */
  configYaml?: string | ((dir: string, port: number) => string);
  /** An existing prometheus.yml; copied into the temp dir, so relative paths in it do not resolve. */
  configFile?: string;
  /** Rule files: name → content (written to <dir>/rules/<name>), or existing paths; appended to rule_files. */
  rulesFiles?: Record<string, string> | string[];
  /** More files: path relative to the temp dir → content, written before start. */
  extraFiles?: Record<string, string>;
  /** Extra command-line flags for prometheus. */
  args?: string[];
  /** Milliseconds to wait for /-/ready (default 30 s). */
  readyTimeoutMs?: number;
}

interface Sample {
  metric: Record<string, string>;
  value: number;
}

export interface ActiveAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: "pending" | "firing";
  activeAt: string;
  value: string;
}

interface ActiveTarget {
  labels: Record<string, string>;
  discoveredLabels: Record<string, string>;
  scrapePool: string;
  scrapeUrl: string;
  health: "up" | "down" | "unknown";
  lastError: string;
}

interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** Named in the timeout error. */
  what?: string;
}

export interface RunningPrometheus {
  url: string;
  port: number;
  pid: number;
  /** The temp dir holding prometheus.yml, rules/, the extra files and data/. */
  dir: string;
  configPath: string;
  /** Instant query; a scalar result comes back as one sample with no labels. */
  query(promql: string, time?: number): Promise<Sample[]>;
  /** Polls `predicate` until it returns something truthy (returned) or the timeout passes (throws). */
  waitFor<T>(
    predicate: () => Promise<T | undefined | null | false> | T | undefined | null | false,
    opts?: WaitOptions,
  ): Promise<T>;
  alerts(): Promise<ActiveAlert[]>;
  targets(): Promise<ActiveTarget[]>;
  /** Raw /api/v1/rules groups (rule health and lastError included). */
  rules(): Promise<unknown[]>;
  /** POST /-/reload (the lifecycle API is enabled); throws unless Prometheus accepts it. */
  reload(): Promise<void>;
  /** Prometheus's own log (stderr) so far. */
  logs(): string;
  /** SIGTERM (SIGKILL after 10 s), then removes the temp dir. Safe to call twice. */
  stop(): Promise<void>;
}

export function requirePrometheus(): void {
  for (const tool of [PROMETHEUS, PROMTOOL]) {
    if (!existsSync(tool)) throw new Error(`these tests need ${tool} (apt-get install prometheus)`);
  }
}

/** promtool with the given args; never throws, so tests can assert on code and output. */
export function promtool(args: string[], cwd?: string): { code: number; stdout: string; stderr: string } {
  requirePrometheus();
  try {
    const stdout = execFileSync(PROMTOOL, args, {
      cwd,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      timeout: 120_000,
    });
    return { code: 0, stdout, stderr: "" };
  } catch (e) {
    const err = e as { status?: number | null; stdout?: string; stderr?: string; message: string };
    return { code: err.status ?? -1, stdout: err.stdout ?? "", stderr: err.stderr ?? err.message };
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const address = srv.address();
      const port = typeof address === "object" && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

const running = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

function writeFile(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
}

function prepareConfig(dir: string, port: number, o: PrometheusOptions): string {
  let text: string;
  if (o.configFile !== undefined) text = readFileSync(o.configFile, "utf8");
  else if (typeof o.configYaml === "function") text = o.configYaml(dir, port);
  else if (typeof o.configYaml === "string") text = o.configYaml;
  else throw new Error("startPrometheus: pass configYaml or configFile");
  const config = (load(text) ?? {}) as Record<string, unknown>;
  const global = { scrape_interval: "1s", evaluation_interval: "1s", ...((config.global as object | undefined) ?? {}) };
  const ruleFiles = [...((config.rule_files as string[] | undefined) ?? [])];
  if (Array.isArray(o.rulesFiles)) ruleFiles.push(...o.rulesFiles);
  else if (o.rulesFiles) {
    for (const [name, content] of Object.entries(o.rulesFiles)) {
      const path = join(dir, "rules", name);
      writeFile(path, content);
      ruleFiles.push(path);
    }
  }
  const out: Record<string, unknown> = { ...config, global };
  if (ruleFiles.length > 0) out.rule_files = ruleFiles;
  return dump(out, { lineWidth: -1 });
}

export async function startPrometheus(o: PrometheusOptions): Promise<RunningPrometheus> {
  requirePrometheus();
  const dir = mkdtempSync(join(tmpdir(), "wgm-prometheus-"));
  let child: ChildProcess | undefined;
  try {
    for (const [rel, content] of Object.entries(o.extraFiles ?? {})) writeFile(join(dir, rel), content);
    const port = await freePort();
    const configPath = join(dir, "prometheus.yml");
    writeFileSync(configPath, prepareConfig(dir, port, o));
    const url = `http://127.0.0.1:${port}`;
    child = spawn(
      PROMETHEUS,
      [
        `--config.file=${configPath}`,
        `--storage.tsdb.path=${join(dir, "data")}`,
        `--web.listen-address=127.0.0.1:${port}`,
        "--web.enable-lifecycle",
        "--storage.tsdb.retention.time=1d",
        "--log.level=info",
        ...(o.args ?? []),
      ],
      { stdio: ["ignore", "ignore", "pipe"], cwd: dir },
    );
    running.add(child);
    let log = "";
    child.stderr!.on("data", (b: Buffer) => (log += b.toString()));
    const proc = child;
    const exited = new Promise<void>((r) => proc.once("exit", () => (running.delete(proc), r())));

    const get = async (path: string): Promise<unknown> => {
      const res = await fetch(url + path);
      const body = (await res.json()) as { status: string; data: unknown; error?: string };
      if (body.status !== "success") throw new Error(`GET ${path}: ${body.error ?? res.status}`);
      return body.data;
    };
    const waitFor: RunningPrometheus["waitFor"] = async (predicate, w = {}) => {
      const end = Date.now() + (w.timeoutMs ?? 60_000);
      let lastError: unknown;
      for (;;) {
        try {
          const v = await predicate();
          if (v) return v;
        } catch (e) {
          lastError = e;
        }
        if (Date.now() > end) {
          throw new Error(
            `timed out after ${w.timeoutMs ?? 60_000} ms waiting ` +
              `for ${w.what ?? "a condition"}${lastError ? ` (last error: ${lastError})` : ""}`,
          );
        }
        if (proc.exitCode !== null)
          throw new Error(`prometheus exited (${proc.exitCode}) while waiting for ${w.what ?? "a condition"}:\n${log}`);
        await new Promise((r) => setTimeout(r, w.intervalMs ?? 250));
      }
    };

    await waitFor(
      async () => {
        if (proc.exitCode !== null) throw new Error(`prometheus exited (${proc.exitCode}):\n${log}`);
        return (await fetch(`${url}/-/ready`)).ok;
      },
      { timeoutMs: o.readyTimeoutMs ?? 30_000, what: "prometheus /-/ready" },
    ).catch((e: Error) => {
      throw new Error(`${e.message}\n${log}`);
    });

    let stopped = false;
    return {
      url,
      port,
      pid: proc.pid!,
      dir,
      configPath,
      query: async (promql, time) => {
        const q = new URLSearchParams({ query: promql, ...(time !== undefined ? { time: String(time) } : {}) });
        const data = (await get(`/api/v1/query?${q}`)) as { resultType: string; result: unknown };
        if (data.resultType === "scalar") return [{ metric: {}, value: Number((data.result as [number, string])[1]) }];
        if (data.resultType !== "vector") throw new Error(`query ${promql}: expected a vector, got ${data.resultType}`);
        return (data.result as { metric: Record<string, string>; value: [number, string] }[]).map((s) => ({
          metric: s.metric,
          value: Number(s.value[1]),
        }));
      },
      waitFor,
      alerts: async () => ((await get("/api/v1/alerts")) as { alerts: ActiveAlert[] }).alerts,
      targets: async () =>
        ((await get("/api/v1/targets?state=active")) as { activeTargets: ActiveTarget[] }).activeTargets,
      rules: async () => ((await get("/api/v1/rules")) as { groups: unknown[] }).groups,
      reload: async () => {
        const res = await fetch(`${url}/-/reload`, { method: "POST" });
        if (!res.ok) throw new Error(`reload failed (${res.status}): ${await res.text()}`);
      },
      logs: () => log,
      stop: async () => {
        if (stopped) return;
        stopped = true;
        await endChild(proc, exited);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    if (child && child.exitCode === null) child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}
