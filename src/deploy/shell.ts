// Building shell commands for remote.Command: quoting, and running a script as root over SSH
// (directly when the SSH user is root, else through `sudo -n`).

export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/**
 * A one-line command that runs `script` with /bin/sh -eu as root; `args` become $1…, given as
 * shell words (quote literal values with shellQuote; `"$HOME"/…` expands as the SSH user).
 */
export function asRoot(script: string, args: string[] = []): string {
  return (
    'if [ "$(id -u)" -eq 0 ]; then as_root=; else as_root="sudo -n"; fi; ' +
    `$as_root /bin/sh -eu -c ${shellQuote(script)} wireguard-monitoring ${args.join(" ")}`
  ).trimEnd();
}
