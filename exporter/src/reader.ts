// Runs `wg ... dump` as a child process and parses its output while it arrives. A reader is
// injected into the collector so tests and benchmarks can swap it; this is the real one.
import { spawn } from "node:child_process";
import { formatDuration } from "./duration";
import { DumpParser, type PeerLookup } from "./parse-dump";
import { PeerTable } from "./peer-table";

/** parseMs: time spent parsing, most of it while `wg` was still running. */
export type ReadOutcome = { ok: true; table: PeerTable; parseMs: number } | { ok: false; error: string };
type RunOutcome = { ok: true } | { ok: false; error: string };
export interface ReadResult {
  interfaceName: string | null;
  outcome: ReadOutcome;
}

export interface Reader {
  /** One outcome per source: `all`, or each configured interface; lookup names the peers. */
  read(lookup: PeerLookup | null): Promise<ReadResult[]>;
  /** A table from read() that nothing uses any more. */
  recycle(table: PeerTable): void;
}

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

/** Runs one `wg ... dump`, parsing as it goes into table (emptied first). */
async function readDump(command: string, args: readonly string[], interfaceName: string | null, timeoutMs: number, table: PeerTable, lookup: PeerLookup | null): Promise<ReadOutcome> {
  const parser = new DumpParser(interfaceName, table, lookup);
  let parseMs = 0;
  const run = await runCommand(command, args, timeoutMs, (bytes) => {
    const t = performance.now();
    parser.push(bytes);
    parseMs += performance.now() - t;
  });
  if (!run.ok) return run;
  const parsed = parser.end();
  return parsed.ok ? { ok: true, table: parsed.table, parseMs } : parsed;
}

/**
 * `wg show all dump`, or `wg show <iface> dump` for each configured interface (in parallel).
 * Tables given back with recycle() are read into again: at 100k peers they are tens of MB,
 * and fresh ones per scrape leave the allocator holding that much more memory.
 */
export class WgReader implements Reader {
  private readonly spare = new Map<string | null, PeerTable>();
  private readonly lent = new Map<PeerTable, string | null>();

  constructor(private readonly command: string, private readonly interfaces: readonly string[], private readonly timeoutMs: number) {}

  read(lookup: PeerLookup | null): Promise<ReadResult[]> {
    const sources = this.interfaces.length === 0 ? [null] : this.interfaces;
    return Promise.all(
      sources.map(async (name) => {
        const table = this.spare.get(name) ?? new PeerTable();
        this.spare.delete(name);
        const args = ["show", name ?? "all", "dump"];
        const outcome = await readDump(this.command, args, name, this.timeoutMs, table, lookup);
        if (outcome.ok) this.lent.set(table, name);
        else this.spare.set(name, table); // nobody else saw it
        return { interfaceName: name, outcome };
      }),
    );
  }

  recycle(table: PeerTable): void {
    const name = this.lent.get(table);
    if (name === undefined) return;
    this.lent.delete(table);
    this.spare.set(name, table);
  }
}
