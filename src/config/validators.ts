// Small checks the schema shares: what counts as a host address, a WireGuard key, an SSH host key.
import { isIP } from "node:net";

const HOSTNAME = /^(?=.{1,253}$)(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;

export function isHostOrIp(text: string): boolean {
  return isIP(text) !== 0 || HOSTNAME.test(text);
}

/** WireGuard keys are 32 bytes, written as 44 characters of standard base64. */
export function isWireGuardKey(text: string): boolean {
  if (!/^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/.test(text)) return false;
  return Buffer.from(text, "base64").length === 32;
}

/** An OpenSSH public host key line: "<type> <base64>" (as in known_hosts, without the host). */
export function isSshHostKey(text: string): boolean {
  return /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com) [A-Za-z0-9+/]+={0,3}$/.test(text.trim());
}

/** Linux interface names: 1..15 characters, no slash, no white space. */
export function isInterfaceName(text: string): boolean {
  return /^[A-Za-z0-9_.-]{1,15}$/.test(text);
}

/** Prometheus label names, which host labels become. */
export function isLabelName(text: string): boolean {
  return /^[a-zA-Z_][a-zA-Z0-9_]*$/.test(text) && !text.startsWith("__");
}
