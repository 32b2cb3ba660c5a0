// Runs `wg ... dump` as a child process and parses its output while it arrives. A reader is
// injected into the collector so tests and benchmarks can swap it; this is the real one.
import { spawn } from "node:child_process";
import { formatDuration } from "./duration.js";
import { DumpParser } from "./parse-dump.js";
import type { PeerTable } from "./peer-table.js";

/** parseMs: time spent parsing, most of it while `wg` was still running. */
export type ReadOutcome = { ok: true; table: PeerTable; parseMs: number } | { ok: false; error: string };
type RunOutcome = { ok: true } | { ok: false; error: string };
/** One outcome per source: `all`, or each configured interface. */
export type Reader = () => Promise<Array<{ interfaceName: string | null; outcome: ReadOutcome }>>;

const STDERR_LIMIT = 2048;

/** Runs a command, hands its stdout to onData as it arrives; kills the whole process group on timeout. */
export function runCommand(command: string, args: readonly string[], timeoutMs: number, onData: (bytes: Buffer) => void): Promise<RunOutcome> {
  return new Promise((resolve) => {
    let child;
    try {
      // detached: own process group, so a wrapper script and its children die together on timeout
      child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], detached: true });
    } catch (e) {
      resolve({ ok: false, error: `cannot run ${command}: ${(e as Error).message}` });
      return;
    }
    let err = "";
    let done = false;
    const finish = (o: RunOutcome) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(o);
    };
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        child.kill("SIGKILL");
      }
      finish({ ok: false, error: `${command} ${args.join(" ")} timed out after ${formatDuration(timeoutMs)} and was killed` });
    }, timeoutMs);
    child.stdout!.on("data", (b: Buffer) => {
      if (!done) onData(b);
    });
    child.stderr!.on("data", (b: Buffer) => {
      if (err.length < STDERR_LIMIT) err += b.toString("utf8");
    });
    child.on("error", (e: NodeJS.ErrnoException) => {
      const why =
        e.code === "ENOENT" ? "command not found" : e.code === "EACCES" ? "permission denied" : e.message;
      finish({ ok: false, error: `cannot run ${command}: ${why}` });
    });
    child.on("close", (code, signal) => {
      if (code === 0) {
        finish({ ok: true });
      }
      else {
        const detail = err.trim().split("\n")[0]?.slice(0, 300) ?? "";
        const how = code !== null ? `exited with code ${code}` : `was killed by ${signal}`;
        finish({ ok: false, error: `${command} ${args.join(" ")} ${how}${detail ? `: ${detail}` : ""}` });
      }
    });
  });
}

/** Runs one `wg ... dump`, parsing as it goes. */
async function readDump(command: string, args: readonly string[], interfaceName: string | null, timeoutMs: number, sizes: Map<string | null, { peers: number; bytes: number }>): Promise<ReadOutcome> {
  const parser = new DumpParser(interfaceName, sizes.get(interfaceName));
  let parseMs = 0;
  const run = await runCommand(command, args, timeoutMs, (bytes) => {
    const t = performance.now();
    parser.push(bytes);
    parseMs += performance.now() - t;
  });
  if (!run.ok) return run;
  const parsed = parser.end();
  if (parsed.ok) sizes.set(interfaceName, { peers: parsed.table.count, bytes: parsed.table.rawLength });
  return parsed.ok ? { ok: true, table: parsed.table, parseMs } : parsed;
}

/** `wg show all dump`, or `wg show <iface> dump` for each configured interface (in parallel). */
export function wgReader(command: string, interfaces: readonly string[], timeoutMs: number): Reader {
  const sizes = new Map<string | null, { peers: number; bytes: number }>(); // of the last good read, per source
  return async () => {
    if (interfaces.length === 0) {
      return [{ interfaceName: null, outcome: await readDump(command, ["show", "all", "dump"], null, timeoutMs, sizes) }];
    }
    return Promise.all(
      interfaces.map(async (name) => ({
        interfaceName: name,
        outcome: await readDump(command, ["show", name, "dump"], name, timeoutMs, sizes),
      })),
    );
  };
}
