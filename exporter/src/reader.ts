// Runs `wg ... dump` as a child process and parses its output while it arrives. A reader is
// injected into the collector so tests and benchmarks can swap it; this is the real one.
import { spawn, type ChildProcess } from "node:child_process";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { formatDuration } from "../../src/contract/duration";
import { DumpParser, type PeerLookup } from "./parse-dump";
import { PeerTable } from "./peer-table";

/**
 * parseMs: time spent parsing, most of it while `wg` was still running. failures: interfaces
 * left out of the table, with the reason (the rest of the table is good).
 */
type ReadOutcome = { ok: true; table: PeerTable; failures?: string[]; parseMs: number } | { ok: false; error: string };
/** stopped: onData asked to stop. */
type RunOutcome = { ok: true } | { ok: false; error: string; stopped?: boolean };
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

/**
 * Runs a command and hands its stdout to onData as it arrives; onData returns false to stop
 * it. On timeout or stop, the command and every process it started are killed (killTree).
 */
function runCommand(
  command: string,
  args: readonly string[],
  timeoutMs: number,
  onData: (bytes: Buffer) => boolean,
): Promise<RunOutcome> {
  return new Promise((resolve) => {
    let child: ChildProcess;
    try {
      // detached: own process group, so a wrapper script and its children die together on timeout
      child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], detached: true });
    } catch (e) {
      resolve({ ok: false, error: `cannot run ${command}: ${(e as Error).message}` });
      return;
    }
    const ends = childEnds(child.pid);
    let err = "";
    let done = false;
    const finish = (o: RunOutcome) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(o);
    };
    const kill = () => {
      killTree(child, ends);
      // Whatever still holds the pipes cannot be found; do not wait for it to close them.
      child.stdout!.destroy();
      child.stderr!.destroy();
    };
    const timer = setTimeout(() => {
      kill();
      finish({
        ok: false,
        error: `${command} ${args.join(" ")} timed out after ${formatDuration(timeoutMs)} and was killed`,
      });
    }, timeoutMs);
    child.stdout!.on("data", (b: Buffer) => {
      if (done || onData(b)) return;
      kill();
      finish({ ok: false, error: "stopped", stopped: true });
    });
    child.stderr!.on("data", (b: Buffer) => {
      if (err.length < STDERR_LIMIT) err += b.toString("utf8");
    });
    child.on("error", (e: NodeJS.ErrnoException) => {
      const why = e.code === "ENOENT" ? "command not found" : e.code === "EACCES" ? "permission denied" : e.message;
      finish({ ok: false, error: `cannot run ${command}: ${why}` });
    });
    child.on("close", (code, signal) => {
      if (code === 0) {
        finish({ ok: true });
      } else {
        const detail = err.trim().split("\n")[0]?.slice(0, 300) ?? "";
        const how = code !== null ? `exited with code ${code}` : `was killed by ${signal}`;
        finish({ ok: false, error: `${command} ${args.join(" ")} ${how}${detail ? `: ${detail}` : ""}` });
      }
    });
  });
}

interface ProcEntry {
  pid: number;
  ppid: number;
  pgid: number;
}

/** Every process in /proc with its parent and process group (those that vanish are skipped). */
function listProcesses(): ProcEntry[] {
  const out: ProcEntry[] = [];
  let names: string[];
  try {
    names = readdirSync("/proc");
  } catch {
    return out; // no /proc: only the process group is killed
  }
  for (const name of names) {
    const c = name.charCodeAt(0);
    if (c < 48 || c > 57) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "latin1");
      // pid (comm) state ppid pgrp ...; comm may hold spaces and parentheses
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      out.push({ pid: Number(name), ppid: Number(f[1]), pgid: Number(f[2]) });
    } catch {
      /* exited meanwhile */
    }
  }
  return out;
}

/** Does the process hold an open file description that is one of the pipes? */
function holdsPipe(pid: number, pipes: ReadonlySet<string>): boolean {
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        if (pipes.has(readlinkSync(`/proc/${pid}/fd/${fd}`))) return true;
      } catch {
        /* closed meanwhile */
      }
    }
  } catch {
    /* exited, or not ours to look at */
  }
  return false;
}

/**
 * The child's ends of its stdout and stderr ("socket:[inode]": Node connects them with socket
 * pairs), read right after spawn, before the command can change them. Empty without /proc.
 */
function childEnds(pid: number | undefined): Set<string> {
  const names = new Set<string>();
  if (pid === undefined) return names;
  for (const fd of [1, 2]) {
    try {
      const name = readlinkSync(`/proc/${pid}/fd/${fd}`);
      // Only what Node connected: never a file (e.g. /dev/null) that unrelated processes hold.
      if (name.startsWith("socket:[") || name.startsWith("pipe:[")) names.add(name);
    } catch {
      /* exited already, or no /proc */
    }
  }
  return names;
}

const SIGNAL_ROUNDS = 8;

/**
 * Kills the child and everything it started: its process group, its descendants by parent
 * (found through /proc, so also those that left the group with setsid), and any process that
 * still holds its stdout or stderr (`ends`; a daemon re-parented to init keeps them open, and its
 * file descriptors would pile up with every scrape). They are stopped (SIGSTOP, so none can
 * fork meanwhile) until a look at /proc finds no new one, then killed. A process that closed
 * both pipes and was re-parented away cannot be told from any other process and remains;
 * the systemd unit's cgroup (KillMode=control-group) is what catches that one.
 */
function killTree(child: ChildProcess, pipes: ReadonlySet<string>): void {
  const root = child.pid;
  if (root === undefined) return;
  // Once the child is reaped its pid may be reused: then only its group (whose id is not
  // reused while the group has members) and the pipes find the rest.
  const exited = child.exitCode !== null || child.signalCode !== null;
  const found = new Set<number>(exited ? [] : [root]);
  const signal = (pid: number, sig: NodeJS.Signals) => {
    try {
      process.kill(pid, sig);
    } catch {
      /* gone already */
    }
  };
  signal(-root, "SIGSTOP");
  if (!exited) signal(root, "SIGSTOP");
  for (let round = 0; round < SIGNAL_ROUNDS; round++) {
    const procs = listProcesses();
    let added = false;
    for (let grew = true; grew;) {
      grew = false;
      for (const p of procs) {
        if (found.has(p.pid) || p.pid === process.pid) continue;
        if (p.pgid === root || found.has(p.ppid)) {
          found.add(p.pid);
          signal(p.pid, "SIGSTOP");
          grew = added = true;
        }
      }
    }
    if (pipes.size > 0) {
      for (const p of procs) {
        if (found.has(p.pid) || p.pid === process.pid || !holdsPipe(p.pid, pipes)) continue;
        found.add(p.pid);
        signal(p.pid, "SIGSTOP");
        added = true;
      }
    }
    if (!added) break;
  }
  signal(-root, "SIGKILL");
  for (const pid of found) signal(pid, "SIGKILL");
}

/** Runs one `wg ... dump`, parsing as it goes into table (emptied first). */
async function readDump(
  command: string,
  args: readonly string[],
  interfaceName: string | null,
  timeoutMs: number,
  table: PeerTable,
  lookup: PeerLookup | null,
): Promise<ReadOutcome> {
  const parser = new DumpParser(interfaceName, table, lookup);
  let parseMs = 0;
  const run = await runCommand(command, args, timeoutMs, (bytes) => {
    const t = performance.now();
    const more = parser.push(bytes);
    parseMs += performance.now() - t;
    return more;
  });
  if (!run.ok && !run.stopped) return run;
  const parsed = parser.end();
  return parsed.ok ? { ok: true, table: parsed.table, failures: parsed.failures, parseMs } : parsed;
}

/**
 * `wg show all dump`, or `wg show <iface> dump` for each configured interface (in parallel).
 * Tables given back with recycle() are read into again: at 100k peers they are tens of MB,
 * and fresh ones per scrape leave the allocator holding that much more memory.
 */
export class WgReader implements Reader {
  private readonly spare = new Map<string | null, PeerTable>();
  private readonly lent = new Map<PeerTable, string | null>();

  constructor(
    private readonly command: string,
    private readonly interfaces: readonly string[],
    private readonly timeoutMs: number,
  ) {}

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
