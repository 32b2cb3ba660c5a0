// The booted e2e host: a Debian bookworm tree under systemd-nspawn (systemd as PID 1, sshd,
// wireguard-go, wireguard-tools, nodejs), with a WireGuard tunnel to a peer network namespace.
// Thin wrapper over test-host-setup.sh / test-host-teardown.sh.
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

const NAME = "wgm-e2e";

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a program without a shell; never rejects, the caller checks `code`. */
export function run(
  file: string,
  args: string[],
  options: { input?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = execFile(
      file,
      args,
      { timeout: options.timeoutMs ?? 60_000, maxBuffer: 64 * 1024 * 1024, env: options.env ?? process.env },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({
          code,
          stdout: String(stdout),
          stderr: String(stderr) + (error && typeof error.code !== "number" ? `\n${error.message}` : ""),
        });
      },
    );
    child.stdin?.end(options.input ?? "");
  });
}

export interface TestHost {
  name: string;
  address: string;
  port: number;
  user: string;
  /** The generated root key (file in $STATE, 0600); its contents go into the stack as a secret. */
  privateKeyPath: string;
  /** The container's ed25519 host key as "ssh-ed25519 AAAA…", for ssh.hostKey. */
  hostKey: string;
  /** Public key of the WireGuard peer in netns <name>-peer, the tunnel's other end. */
  peerPublicKey: string;
  /** Runs a command as root on the host over SSH (the harness's own connection). */
  ssh(command: string, input?: string): Promise<RunResult>;
}

/**
 * A second booted host (another machine for moves and removals): its own name, tree (a copy of the
 * first one's, with new SSH host keys) and addresses from 203.0.113.0/24.
 */
export const SECOND_HOST = { name: "wgm-e2f", net: "203.0.113" } as const;

interface Instance {
  name: string;
  net: string;
}

const FIRST: Instance = { name: NAME, net: "198.51.100" };
const paths = (i: Instance) => ({ tree: `/var/tmp/${i.name}`, state: `/var/tmp/${i.name}-state` });
const instanceEnv = (i: Instance): NodeJS.ProcessEnv => ({
  ...process.env,
  WGHOST_NAME: i.name,
  WGHOST_NET: i.net,
  WGHOST_TREE: paths(i).tree,
  WGHOST_STATE: paths(i).state,
});

const HARNESS = __dirname;

function requireTools(): void {
  if (process.getuid?.() !== 0)
    throw new Error("the e2e test host needs root (debootstrap, systemd-nspawn, network namespaces)");
  for (const tool of [
    "debootstrap",
    "systemd-nspawn",
    "ip",
    "wg",
    "wireguard-go",
    "ssh",
    "scp",
    "sftp",
    "ssh-keygen",
    "curl",
  ]) {
    const found = (process.env.PATH ?? "").split(":").some((d) => existsSync(join(d, tool)));
    if (!found)
      throw new Error(
        `the e2e test host needs \`${tool}\` (apt-get install debootstrap ` +
          `systemd-container iproute2 wireguard-tools wireguard-go openssh-client curl)`,
      );
  }
}

/** The second instance's tree: a copy of the first (bootstrapped) one with its own SSH host keys. */
async function copyTree(to: Instance): Promise<void> {
  const from = paths(FIRST).tree;
  const { tree } = paths(to);
  if (
    existsSync(join(tree, ".wghost-bootstrapped")) &&
    readFileSync(join(tree, ".wghost-bootstrapped"), "utf8") ===
      readFileSync(join(from, ".wghost-bootstrapped"), "utf8")
  )
    return;
  const script =
    `set -e; rm -rf --one-file-system ${tree} ${tree}.copy; cp -a --reflink=auto ${from} ${tree}.copy; rm ` +
    `-f ${tree}.copy/etc/ssh/ssh_host_*; ssh-keygen -A -f ${tree}.copy >/dev/null; mv ${tree}.copy ${tree}`;
  const r = await run("bash", ["-c", script], { timeoutMs: 600_000 });
  if (r.code !== 0) throw new Error(`copying the test host tree failed (${r.code}):\n${r.stderr}`);
}

/** Stops a left-over instance, then boots the host with the tunnel (debootstraps on first use). */
export async function startTestHost(instance: Instance = FIRST): Promise<TestHost> {
  requireTools();
  await stopTestHost(instance);
  if (instance !== FIRST) {
    if (!existsSync(join(paths(FIRST).tree, ".wghost-bootstrapped")))
      throw new Error("start the first test host before the second (its tree is copied)");
    await copyTree(instance);
  }
  const { tree, state } = paths(instance);
  const setup = await run("bash", [join(HARNESS, "test-host-setup.sh"), "--tunnel"], {
    timeoutMs: 600_000,
    env: instanceEnv(instance),
  });
  if (setup.code !== 0)
    throw new Error(
      `test-host-setup.sh failed (${setup.code}):\n${setup.stdout.slice(-3000)}\n${setup.stderr.slice(-3000)}`,
    );
  const [type, key] = readFileSync(join(tree, "etc/ssh/ssh_host_ed25519_key.pub"), "utf8").trim().split(/\s+/);
  const sshArgs = ["-F", join(state, "ssh_config"), instance.name];
  return {
    name: instance.name,
    address: `${instance.net}.2`,
    port: 22,
    user: "root",
    privateKeyPath: join(state, "id_ed25519"),
    hostKey: `${type} ${key}`,
    peerPublicKey: readFileSync(join(state, "peer.pub"), "utf8").trim(),
    ssh: (command, input) => run("ssh", [...sshArgs, command], { input, timeoutMs: 120_000 }),
  };
}

/** Container stopped, peer stopped, veths and namespaces deleted; the cached tree stays. */
export async function stopTestHost(instance: Instance = FIRST): Promise<void> {
  const r = await run("bash", [join(HARNESS, "test-host-teardown.sh")], {
    timeoutMs: 120_000,
    env: instanceEnv(instance),
  });
  if (r.code !== 0) throw new Error(`test-host-teardown.sh failed (${r.code}):\n${r.stdout}\n${r.stderr}`);
}
