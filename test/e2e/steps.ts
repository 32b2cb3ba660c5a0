// Performs a captured plan's remote.CopyToRemote / remote.Command steps for real, in dependency
// order, with the system ssh/scp and the captured connection settings (host key pinned through a
// known_hosts file built from `hostKey`, StrictHostKeyChecking yes) — what the command provider does.
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { posix, join } from "node:path";
import { isSecretValue, type CapturedPlan, type PlannedResource } from "../../src/plan/capture";
import { run } from "../harness/test-host";

interface ConnectionInputs {
  host: string;
  port?: number;
  user?: string;
  privateKey?: string;
  hostKey?: string;
  perDialTimeout?: number;
}

export interface Step {
  resource: PlannedResource;
  type: "command:remote:CopyToRemote" | "command:remote:Command";
  inputs: Record<string, unknown>;
}

/** Secrets unwrapped (the executor needs the real values; it never prints them). */
function reveal(value: unknown): unknown {
  if (isSecretValue(value)) return reveal(value.value);
  if (Array.isArray(value)) return value.map(reveal);
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, reveal(v)]));
  return value;
}

/** The remote steps in an order that respects every dependency (a component stands for its children). */
export function stepsInOrder(plan: CapturedPlan): Step[] {
  const byUrn = new Map(plan.resources.map((r) => [r.urn, r]));
  const childrenOf = (urn: string): PlannedResource[] => plan.resources.filter((r) => r.parent === urn).flatMap((c) => (c.custom ? [c, ...childrenOf(c.urn)] : childrenOf(c.urn)));
  const ancestorsDeps = (r: PlannedResource): string[] => {
    const parent = r.parent ? byUrn.get(r.parent) : undefined;
    return parent ? [...parent.dependencies, ...ancestorsDeps(parent)] : [];
  };
  const remote = plan.resources.filter((r) => r.type === "command:remote:CopyToRemote" || r.type === "command:remote:Command");
  const deps = new Map<string, Set<string>>();
  for (const r of remote) {
    const direct = [...r.dependencies, ...ancestorsDeps(r)].flatMap((u) => {
      const d = byUrn.get(u);
      return !d ? [] : d.custom ? [d] : childrenOf(d.urn);
    });
    deps.set(r.urn, new Set(direct.map((d) => d.urn).filter((u) => u !== r.urn)));
  }
  const done = new Set<string>();
  const order: Step[] = [];
  while (order.length < remote.length) {
    const next = remote.find((r) => !done.has(r.urn) && [...deps.get(r.urn)!].every((u) => done.has(u) || !deps.has(u)));
    if (!next) throw new Error("dependency cycle among remote steps");
    done.add(next.urn);
    order.push({ resource: next, type: next.type as Step["type"], inputs: reveal(next.inputs) as Record<string, unknown> });
  }
  return order;
}

export class SshStepRunner {
  /** Private keys and upload sources, 0600 in a 0700 directory; removed by dispose(). */
  private readonly dir = mkdtempSync(join(tmpdir(), "wgm-e2e-steps-"));

  private sshOptions(c: ConnectionInputs): string[] {
    if (!c.privateKey) throw new Error("captured connection has no privateKey");
    const id = createHash("sha256").update(`${c.host}:${c.port}:${c.user}`).digest("hex").slice(0, 12);
    const key = join(this.dir, `key-${id}`);
    writeFileSync(key, c.privateKey.endsWith("\n") ? c.privateKey : `${c.privateKey}\n`, { mode: 0o600 });
    const opts = ["-i", key, "-p", String(c.port ?? 22), "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes", "-o", "LogLevel=ERROR"];
    opts.push("-o", `ConnectTimeout=${c.perDialTimeout ?? 15}`);
    if (c.hostKey) {
      const knownHosts = join(this.dir, `known_hosts-${id}`);
      const name = (c.port ?? 22) === 22 ? c.host : `[${c.host}]:${c.port}`;
      writeFileSync(knownHosts, `${name} ${c.hostKey.trim()}\n`, { mode: 0o600 });
      opts.push("-o", `UserKnownHostsFile=${knownHosts}`, "-o", "StrictHostKeyChecking=yes", "-o", "GlobalKnownHostsFile=/dev/null");
    } else {
      throw new Error("refusing to run a step against an unpinned host key");
    }
    return opts;
  }

  private async ssh(c: ConnectionInputs, command: string, input?: string): Promise<string> {
    const opts = this.sshOptions(c);
    const r = await run("ssh", [...opts, `${c.user ?? "root"}@${c.host}`, command], { input, timeoutMs: 180_000 });
    if (r.code !== 0) throw new Error(`ssh ${c.host} exited ${r.code}:\n${r.stderr.slice(-4000)}`);
    return r.stdout;
  }

  /** CopyToRemote: parent directories created, then the file uploaded with scp (SFTP protocol). */
  private async copy(step: Step): Promise<void> {
    const c = step.inputs.connection as ConnectionInputs;
    const remotePath = step.inputs.remotePath as string;
    const source = step.inputs.source as { asset: "text"; text: string } | { asset: "file"; path: string };
    let local: string;
    if (source.asset === "text") {
      local = join(this.dir, `upload-${createHash("sha256").update(step.resource.urn).digest("hex").slice(0, 12)}`);
      writeFileSync(local, source.text, { mode: 0o600 });
    } else {
      local = source.path;
    }
    await this.ssh(c, `mkdir -p '${posix.dirname(remotePath)}'`);
    const opts = this.sshOptions(c).map((o) => (o === "-p" ? "-P" : o));
    const r = await run("scp", ["-q", ...opts, local, `${c.user ?? "root"}@${c.host}:${remotePath}`], { timeoutMs: 180_000 });
    if (r.code !== 0) throw new Error(`scp to ${c.host}:${remotePath} exited ${r.code}:\n${r.stderr.slice(-2000)}`);
  }

  /** One step's create: a copy uploads, a command runs `create` with its stdin; returns stdout. */
  async perform(step: Step): Promise<string> {
    if (step.type === "command:remote:CopyToRemote") {
      await this.copy(step);
      return "";
    }
    return this.ssh(step.inputs.connection as ConnectionInputs, step.inputs.create as string, step.inputs.stdin as string | undefined);
  }

  /** Performs every step's create, in the given order. */
  async up(steps: Step[]): Promise<void> {
    for (const step of steps) await this.perform(step);
  }

  /** Performs the commands' `delete` in reverse dependency order (uploads have no delete). */
  async down(steps: Step[]): Promise<void> {
    for (const step of [...steps].reverse()) {
      if (step.type === "command:remote:Command" && typeof step.inputs.delete === "string") {
        await this.ssh(step.inputs.connection as ConnectionInputs, step.inputs.delete);
      }
    }
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
