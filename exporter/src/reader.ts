// Runs `wg ... dump` as a child process. A reader is injected into the collector so tests
// and benchmarks can swap it; this is the real one.
import { spawn } from "node:child_process";
import { formatDuration } from "./duration.js";

export type ReadOutcome = { ok: true; text: string } | { ok: false; error: string };
/** One outcome per source: `all`, or each configured interface. */
export type Reader = () => Promise<Array<{ interfaceName: string | null; outcome: ReadOutcome }>>;

const STDERR_LIMIT = 2048;

/** Runs a command, collects stdout; kills the whole process group on timeout. */
export function runCommand(command: string, args: readonly string[], timeoutMs: number): Promise<ReadOutcome> {
  return new Promise((resolve) => {
    let child;
    try {
      // detached: own process group, so a wrapper script and its children die together on timeout
      child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], detached: true });
    } catch (e) {
      resolve({ ok: false, error: `cannot run ${command}: ${(e as Error).message}` });
      return;
    }
    const out: Buffer[] = [];
    let err = "";
    let done = false;
    const finish = (o: ReadOutcome) => {
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
    child.stdout!.on("data", (b: Buffer) => out.push(b));
    child.stderr!.on("data", (b: Buffer) => {
      if (err.length < STDERR_LIMIT) err += b.toString("utf8");
    });
    child.on("error", (e: NodeJS.ErrnoException) => {
      const why =
        e.code === "ENOENT" ? "command not found" : e.code === "EACCES" ? "permission denied" : e.message;
      finish({ ok: false, error: `cannot run ${command}: ${why}` });
    });
    child.on("close", (code, signal) => {
      if (code === 0) finish({ ok: true, text: Buffer.concat(out).toString("utf8") });
      else {
        const detail = err.trim().split("\n")[0]?.slice(0, 300) ?? "";
        const how = code !== null ? `exited with code ${code}` : `was killed by ${signal}`;
        finish({ ok: false, error: `${command} ${args.join(" ")} ${how}${detail ? `: ${detail}` : ""}` });
      }
    });
  });
}

/** `wg show all dump`, or `wg show <iface> dump` for each configured interface (in parallel). */
export function wgReader(command: string, interfaces: readonly string[], timeoutMs: number): Reader {
  return async () => {
    if (interfaces.length === 0) {
      return [{ interfaceName: null, outcome: await runCommand(command, ["show", "all", "dump"], timeoutMs) }];
    }
    return Promise.all(
      interfaces.map(async (name) => ({
        interfaceName: name,
        outcome: await runCommand(command, ["show", name, "dump"], timeoutMs),
      })),
    );
  };
}
