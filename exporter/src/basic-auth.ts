// Basic auth against the web config's bcrypt hashes. bcrypt is slow on purpose, so the checks
// run in a worker thread (bcrypt-worker.ts) and are bounded: a flood of wrong passwords is
// answered "busy" at once instead of queueing in front of every scrape.
import { createHash } from "node:crypto";
import { Worker } from "node:worker_threads";
import bcrypt from "bcryptjs";
import type { CompareRequest } from "./bcrypt-worker";
import { BCRYPT_HASH } from "./web-config";

// The worker's code, bundled by exporter/bundle.ts; from source (tests) bcryptjs runs in-thread.
declare const __BCRYPT_WORKER__: string | undefined;

export type AuthResult = "ok" | "denied" | "busy";

/** At most this many bcrypt comparisons are under way (one computing, the rest queued in the
 * worker); two lets an HA pair's first scrapes in together. */
const MAX_CONCURRENT_CHECKS = 2;
/** Successful credentials remembered (bcrypt ignores bytes past 72, so variants are unbounded). */
const CACHE_SIZE = 64;

/** The cost (log2 rounds) of a bcrypt hash: `$2y$12$…` → 12. */
function bcryptCost(hash: string): number {
  const m = BCRYPT_HASH.exec(hash);
  return m ? Number(m[1]) : 0;
}

/**
 * A checker for `Authorization` headers. Successful checks are cached by a hash of the
 * credentials (as exporter-toolkit does), so a scrape every few seconds pays bcrypt once.
 * An unknown user is compared against the costliest configured hash and denied, so that it
 * takes as long as a wrong password for the slowest user (a fixed dummy hash would answer
 * faster or slower than the configured cost and tell which names exist).
 */
export function basicAuthChecker(
  users: Map<string, string>,
  maxConcurrent = MAX_CONCURRENT_CHECKS,
): (header: string | undefined) => Promise<AuthResult> {
  const compare =
    typeof __BCRYPT_WORKER__ === "string"
      ? workerCompare(__BCRYPT_WORKER__)
      : (pass: string, hash: string) => bcrypt.compare(pass, hash);
  const good = new Set<string>();
  let dummy = "";
  for (const h of users.values()) if (bcryptCost(h) > bcryptCost(dummy)) dummy = h;
  let running = 0;
  return async (header) => {
    if (!header?.startsWith("Basic ")) return "denied";
    const decoded = Buffer.from(header.slice(6), "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon < 0) return "denied";
    const user = decoded.slice(0, colon);
    const pass = decoded.slice(colon + 1);
    const hash = users.get(user);
    const cacheKey = createHash("sha256")
      .update(`${user}\0${pass}\0${hash ?? ""}`)
      .digest("hex");
    if (hash && good.has(cacheKey)) return "ok";
    if (running >= maxConcurrent) return "busy";
    running++;
    let ok: boolean;
    try {
      ok = await compare(pass, hash ?? dummy);
    } finally {
      running--;
    }
    if (!ok || !hash) return "denied";
    if (good.size >= CACHE_SIZE) good.delete(good.values().next().value!);
    good.add(cacheKey);
    return "ok";
  };
}

/** Seconds without a check after which the worker is stopped (it costs some MB while it lives). */
const WORKER_IDLE_MS = 30_000;

/** bcrypt comparisons in a worker thread, started on first use and stopped when idle. */
function workerCompare(source: string): (pass: string, hash: string) => Promise<boolean> {
  let worker: Worker | null = null;
  let idle: NodeJS.Timeout | undefined;
  let nextId = 0;
  const waiting = new Map<number, (ok: boolean) => void>();
  const fail = () => {
    for (const done of waiting.values()) done(false); // a check that could not run denies
    waiting.clear();
    worker = null;
  };
  const start = (): Worker => {
    const w = new Worker(source, { eval: true });
    w.unref();
    w.on("message", ({ id, ok }: { id: number; ok: boolean }) => {
      waiting.get(id)?.(ok);
      waiting.delete(id);
      if (waiting.size === 0) {
        idle = setTimeout(() => {
          if (worker === w && waiting.size === 0) {
            worker = null;
            void w.terminate();
          }
        }, WORKER_IDLE_MS);
        idle.unref();
      }
    });
    w.on("error", () => worker === w && fail());
    w.on("exit", () => worker === w && fail());
    return w;
  };
  return (pass, hash) =>
    new Promise((done) => {
      clearTimeout(idle);
      worker ??= start();
      const id = nextId++;
      waiting.set(id, done);
      worker.postMessage({ id, pass, hash } satisfies CompareRequest);
    });
}
