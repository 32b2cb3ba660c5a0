// Building shell commands for remote.Command: quoting, and running a script as root over SSH
// (directly when the SSH user is root, else through `sudo -n`).

export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** A one-line command that runs `script` with /bin/sh -eu as root, passing `args` as $1…. */
export function asRoot(script: string, args: string[] = []): string {
  const argv = ["wireguard-monitoring", ...args].map(shellQuote).join(" ");
  return `if [ "$(id -u)" -eq 0 ]; then as_root=; else as_root="sudo -n"; fi; $as_root /bin/sh -eu -c ${shellQuote(script)} ${argv}`;
}

/**
 * Staged uploads live in /tmp/wireguard-monitoring-<stack>/…; before trusting them, the step checks
 * that the directory is a real directory owned by the SSH user (no one else could have swapped files).
 */
export function checkedStage(stageRoot: string): string {
  const root = shellQuote(stageRoot);
  return `if [ -L ${root} ] || [ ! -d ${root} ] || [ ! -O ${root} ]; then echo "wireguard-monitoring: staging directory ${stageRoot} is not a directory owned by $(id -un); refusing to install from it" >&2; exit 1; fi; chmod 700 ${root}`;
}
