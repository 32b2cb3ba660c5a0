// Ending a server process a harness started, by its own handle (never by name or port).
import type { ChildProcess } from "node:child_process";

/** SIGTERM, then SIGKILL if it is still running after `graceMs`; resolves once `exited` has. */
export async function endChild(proc: ChildProcess, exited: Promise<unknown>, graceMs = 10_000): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  proc.kill("SIGTERM");
  const timer = setTimeout(() => proc.kill("SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
}
