// A real Alertmanager (/usr/bin/prometheus-alertmanager, the Debian package) for tests, on
// 127.0.0.1:<free port> with its own temp dir (config, notification log, silences), gossip off;
// and a webhook receiver: an HTTP server in the test that keeps every notification posted to it.
// Only the process it started is ever signalled, by PID; the temp dir is removed on stop().
//
//   const hook = await startWebhookReceiver();
//   const am = await startAlertmanager({
//     configYaml: `route: { receiver: r }\nreceivers: [{ name: r, webhook_configs: [{ url: "${hook.url}" }] }]`,
//   });
//   const n = await hook.waitFor((all) => all.find((x) => x.status === "firing"), {
//     ms: 30_000,
//     what: "a firing notification",
//   });
//   const inhibited = (await am.alerts()).filter((a) => a.status.inhibitedBy.length > 0);
//   await am.stop(); await hook.close();
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./prometheus";
import { endChild } from "./end-child";

const ALERTMANAGER = "/usr/bin/prometheus-alertmanager";
const AMTOOL = "/usr/bin/amtool";

function requireAlertmanager(): void {
  for (const tool of [ALERTMANAGER, AMTOOL]) {
    if (!existsSync(tool)) throw new Error(`these tests need ${tool} (apt-get install prometheus-alertmanager)`);
  }
}

/** amtool with the given args (e.g. ["check-config", path]); never throws, so tests can assert on code and output. */
export function amtool(args: string[], cwd?: string): { code: number; stdout: string; stderr: string } {
  requireAlertmanager();
  try {
    const stdout = execFileSync(AMTOOL, args, {
      cwd,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr: "" };
  } catch (e) {
    const err = e as { status?: number | null; stdout?: string; stderr?: string; message: string };
    return { code: err.status ?? -1, stdout: err.stdout ?? "", stderr: err.stderr ?? err.message };
  }
}

interface WaitOptions {
  /** Milliseconds before giving up (default 60 s). */
  ms?: number;
  /** Named in the timeout error. */
  what?: string;
  intervalMs?: number;
}

type Falsy = undefined | null | false | 0 | "";

/**
 * Polls `predicate` until it returns something truthy (returned)
 * or `ms` pass (throws, naming `what` and the last error).
 */
async function poll<T>(
  predicate: () => Promise<T | Falsy> | T | Falsy,
  o: WaitOptions,
  stillAlive?: () => string | undefined,
): Promise<T> {
  const ms = o.ms ?? 60_000;
  const end = Date.now() + ms;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await predicate();
      if (v) return v;
    } catch (e) {
      lastError = e;
    }
    const dead = stillAlive?.();
    if (dead) throw new Error(`${dead} while waiting for ${o.what ?? "a condition"}`);
    if (Date.now() > end)
      throw new Error(
        `timed out after ${ms} ms waiting ` +
          `for ${o.what ?? "a condition"}${lastError ? ` (last error: ${lastError})` : ""}`,
      );
    await new Promise((r) => setTimeout(r, o.intervalMs ?? 200));
  }
}

// ---------------------------------------------------------------------------------------------
// Alertmanager

export interface AlertmanagerOptions {
  /** The alertmanager.yml text, or a function of the temp dir and Alertmanager's own port. */
  configYaml: string | ((dir: string, port: number) => string);
  /**
   * Listen on this port (e.g. one from freePort(), when a Prometheus config must name it first); default a free one.
   */
  port?: number;
  /** Extra command-line flags. */
  args?: string[];
  /** Milliseconds to wait for /-/ready (default 30 s). */
  readyTimeoutMs?: number;
}

/** An alert as Alertmanager's API v2 (GET /api/v2/alerts) returns it. */
export interface AlertmanagerAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  updatedAt: string;
  fingerprint: string;
  generatorURL?: string;
  receivers: { name: string }[];
  /** `suppressed` when silenced or inhibited; inhibitedBy holds the fingerprints of the inhibiting alerts. */
  status: { state: "active" | "suppressed" | "unprocessed"; silencedBy: string[]; inhibitedBy: string[] };
}

/** An alert to POST to /api/v2/alerts, as Prometheus sends them. */
interface PostableAlert {
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  startsAt?: string;
  endsAt?: string;
  generatorURL?: string;
}

export interface RunningAlertmanager {
  url: string;
  port: number;
  pid: number;
  /** The temp dir holding alertmanager.yml and data/. */
  dir: string;
  configPath: string;
  /** Every alert Alertmanager holds (active, silenced, inhibited and unprocessed alike). */
  alerts(): Promise<AlertmanagerAlert[]>;
  /** POST /api/v2/alerts; throws unless Alertmanager accepts them. */
  postAlerts(alerts: PostableAlert[]): Promise<void>;
  waitFor<T>(predicate: () => Promise<T | Falsy> | T | Falsy, opts?: WaitOptions): Promise<T>;
  /** Alertmanager's own log (stderr) so far. */
  logs(): string;
  /** SIGTERM (SIGKILL after 10 s), then removes the temp dir. Safe to call twice. */
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

export async function startAlertmanager(o: AlertmanagerOptions): Promise<RunningAlertmanager> {
  requireAlertmanager();
  const dir = mkdtempSync(join(tmpdir(), "wgm-alertmanager-"));
  let child: ChildProcess | undefined;
  try {
    const port = o.port ?? (await freePort());
    const configPath = join(dir, "alertmanager.yml");
    writeFileSync(configPath, typeof o.configYaml === "function" ? o.configYaml(dir, port) : o.configYaml);
    const url = `http://127.0.0.1:${port}`;
    child = spawn(
      ALERTMANAGER,
      [
        `--config.file=${configPath}`,
        `--storage.path=${join(dir, "data")}`,
        `--web.listen-address=127.0.0.1:${port}`,
        // Empty: no gossip cluster, so no port 9094 and no peers to wait for.
        "--cluster.listen-address=",
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
    const dead = () => (proc.exitCode !== null ? `alertmanager exited (${proc.exitCode}):\n${log}` : undefined);
    const waitFor: RunningAlertmanager["waitFor"] = (predicate, w = {}) => poll(predicate, w, dead);

    await waitFor(async () => (await fetch(`${url}/-/ready`)).ok, {
      ms: o.readyTimeoutMs ?? 30_000,
      what: "alertmanager /-/ready",
    }).catch((e: Error) => {
      throw new Error(`${e.message}\n${log}`);
    });

    let stopped = false;
    return {
      url,
      port,
      pid: proc.pid!,
      dir,
      configPath,
      alerts: async () => {
        const res = await fetch(`${url}/api/v2/alerts`);
        if (!res.ok) throw new Error(`GET /api/v2/alerts: ${res.status} ${await res.text()}`);
        return (await res.json()) as AlertmanagerAlert[];
      },
      postAlerts: async (alerts) => {
        const res = await fetch(`${url}/api/v2/alerts`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(alerts),
        });
        if (!res.ok) throw new Error(`POST /api/v2/alerts: ${res.status} ${await res.text()}`);
      },
      waitFor,
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

// ---------------------------------------------------------------------------------------------
// Webhook receiver

/** The body Alertmanager's webhook integration posts (version "4"). */
export interface WebhookNotification {
  version: string;
  groupKey: string;
  truncatedAlerts: number;
  status: "firing" | "resolved";
  receiver: string;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  externalURL: string;
  alerts: {
    status: "firing" | "resolved";
    labels: Record<string, string>;
    annotations: Record<string, string>;
    startsAt: string;
    endsAt: string;
    generatorURL: string;
    fingerprint: string;
  }[];
}

export interface WebhookReceiver {
  /** Where Alertmanager should post: http://127.0.0.1:<port>/hook */
  url: string;
  port: number;
  /** Every notification received so far, oldest first. */
  notifications(): WebhookNotification[];
  /**
   * Polls `predicate` over the notifications so far until it returns something truthy (returned) or `ms` pass (throws).
   */
  waitFor<T>(predicate: (all: WebhookNotification[]) => T | Falsy, opts?: WaitOptions): Promise<T>;
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: WebhookNotification[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      try {
        received.push(JSON.parse(Buffer.concat(chunks).toString("utf8")) as WebhookNotification);
        res.writeHead(200).end();
      } catch {
        res.writeHead(400).end("not JSON");
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  let closed = false;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    port,
    notifications: () => [...received],
    waitFor: (predicate, o = {}) => poll(() => predicate([...received]), o),
    close: async () => {
      if (closed) return;
      closed = true;
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
