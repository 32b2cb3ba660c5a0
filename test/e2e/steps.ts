// Performs the engine's steps between two captured plans (src/tools/plan/lifecycle.ts) for real, over SSH,
// doing for each remote.Command / remote.CopyToRemote step what pulumi-command v1.2.1 does:
// - Command create runs `create`, update runs `update` (else `create`) with the new inputs, delete
//   runs `delete` with the inputs in state — connection and stdin included
//   (provider/pkg/provider/remote/commandController.go:31-92, commandOutputs.go:73-75);
// - CopyToRemote create copies; update copies only when the source's hash or remotePath changed;
//   it has no delete (provider/pkg/provider/remote/copyController.go:118-154); parent directories
//   are created first and a relative remotePath is relative to the SSH user's home (SFTP).
// The host key is pinned through a known_hosts file built from `hostKey` (StrictHostKeyChecking yes).
// Grafana resources and components have nothing to run here.
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, posix } from "node:path";
import { revealSecrets as reveal } from "../../src/tools/plan/capture";
import type { EngineStep, Lifecycle } from "../../src/tools/plan/lifecycle";
import { run } from "../harness/test-host";

interface ConnectionInputs {
  host: string;
  port?: number;
  user?: string;
  privateKey?: string;
  hostKey?: string;
  perDialTimeout?: number;
}

type FileSource = { asset: "file"; path: string; sha256: string };

/** What one performed step did, for assertions. */
export interface PerformedStep {
  op: EngineStep["op"];
  type: string;
  name: string;
  /** Whether something ran on a machine (an update of an unchanged upload copies nothing). */
  ran: boolean;
  stdout: string;
}

export class SshStepRunner {
  /** Private keys and known_hosts files, 0600 in a 0700 directory; removed by dispose(). */
  private readonly dir = mkdtempSync(join(tmpdir(), "wgm-e2e-steps-"));

  private sshOptions(c: ConnectionInputs): string[] {
    if (!c.privateKey) throw new Error("captured connection has no privateKey");
    if (!c.hostKey) throw new Error("refusing to run a step against an unpinned host key");
    const id = createHash("sha256").update(`${c.host}:${c.port}:${c.user}`).digest("hex").slice(0, 12);
    const key = join(this.dir, `key-${id}`);
    writeFileSync(key, c.privateKey.endsWith("\n") ? c.privateKey : `${c.privateKey}\n`, { mode: 0o600 });
    const knownHosts = join(this.dir, `known_hosts-${id}`);
    const name = (c.port ?? 22) === 22 ? c.host : `[${c.host}]:${c.port}`;
    writeFileSync(knownHosts, `${name} ${c.hostKey.trim()}\n`, { mode: 0o600 });
    return [
      "-i",
      key,
      "-p",
      String(c.port ?? 22),
      "-o",
      "IdentitiesOnly=yes",
      "-o",
      "BatchMode=yes",
      "-o",
      "LogLevel=ERROR",
      "-o",
      `ConnectTimeout=${c.perDialTimeout ?? 15}`,
      "-o",
      `UserKnownHostsFile=${knownHosts}`,
      "-o",
      "StrictHostKeyChecking=yes",
      "-o",
      "GlobalKnownHostsFile=/dev/null",
      // As the provider: only the pinned key's algorithm (connection.go: hostKeyAlgorithms = [publicKey.Type()]).
      "-o",
      `HostKeyAlgorithms=${c.hostKey.trim().split(/\s+/)[0]}`,
    ];
  }

  private async ssh(c: ConnectionInputs, command: string, input?: string): Promise<string> {
    const r = await run("ssh", [...this.sshOptions(c), `${c.user ?? "root"}@${c.host}`, command], {
      input,
      timeoutMs: 180_000,
    });
    if (r.code !== 0) throw new Error(`ssh ${c.host}:${c.port ?? 22} exited ${r.code}:\n${r.stderr.slice(-4000)}`);
    return r.stdout;
  }

  /** sftp: MkdirAll of the parent, then the file (what the provider's sftpCopy does). */
  private async copy(c: ConnectionInputs, source: FileSource, remotePath: string): Promise<void> {
    const parents = posix
      .dirname(remotePath)
      .split("/")
      .filter((p) => p !== "" && p !== ".");
    const prefix = remotePath.startsWith("/") ? "/" : "";
    const batch = [
      ...parents.map((_, i) => `-mkdir ${prefix}${parents.slice(0, i + 1).join("/")}`),
      `put ${source.path} ${remotePath}`,
    ].join("\n");
    const opts = this.sshOptions(c).map((o) => (o === "-p" ? "-P" : o));
    const r = await run("sftp", ["-q", ...opts, "-b", "-", `${c.user ?? "root"}@${c.host}`], {
      input: `${batch}\n`,
      timeoutMs: 180_000,
    });
    if (r.code !== 0) throw new Error(`sftp to ${c.host}:${remotePath} exited ${r.code}:\n${r.stderr.slice(-2000)}`);
  }

  /** Performs one engine step; steps of other types than the command provider's run nothing. */
  async perform(step: EngineStep): Promise<PerformedStep> {
    const inputs = reveal(step.resource.inputs) as Record<string, unknown>;
    const done = (ran: boolean, stdout = ""): PerformedStep => ({
      op: step.op,
      type: step.resource.type,
      name: step.resource.name,
      ran,
      stdout,
    });
    const connection = inputs.connection as ConnectionInputs;
    if (step.resource.type === "command:remote:CopyToRemote") {
      if (step.op === "delete") return done(false);
      const source = inputs.source as FileSource;
      if (step.op === "update") {
        const old = reveal(step.old!.inputs) as Record<string, unknown>;
        if ((old.source as FileSource).sha256 === source.sha256 && old.remotePath === inputs.remotePath)
          return done(false);
      }
      await this.copy(connection, source, inputs.remotePath as string);
      return done(true);
    }
    if (step.resource.type === "command:remote:Command") {
      const command =
        step.op === "create" ? inputs.create : step.op === "update" ? (inputs.update ?? inputs.create) : inputs.delete;
      if (typeof command !== "string") return done(false);
      return done(
        true,
        await this.ssh(connection, command, typeof inputs.stdin === "string" ? inputs.stdin : undefined),
      );
    }
    return done(false);
  }

  /** Every step in the engine's order; stops at the first failure, like `pulumi up`. */
  async apply(lifecycle: Lifecycle): Promise<PerformedStep[]> {
    const performed: PerformedStep[] = [];
    for (const step of lifecycle.steps) performed.push(await this.perform(step));
    return performed;
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
