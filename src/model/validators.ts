// Small checks the schema shares: what counts as a host address, an SSH host key (WireGuard keys: src/contract).
import { isIP } from "node:net";
import { EXPORTER_PAGES, isInterfaceName as isExporterInterfaceName } from "../contract/exporter-flags";
import { isWellFormedText } from "../contract/peers-file-fields";

/** One DNS label: 1-63 letters, digits and hyphens, no hyphen at either end. */
const DNS_LABEL = String.raw`[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?`;
const HOSTNAME = new RegExp(String.raw`^(?=.{1,253}$)(?:${DNS_LABEL})(?:\.${DNS_LABEL})*$`);

export function isHostOrIp(text: string): boolean {
  return isIP(text) !== 0 || HOSTNAME.test(text);
}

/**
 * The fields of each host-key type's wire format (RFC 4253 6.6, RFC 5656 3.1, RFC 8709 4,
 * OpenSSH PROTOCOL.u2f): after the type name, each field is a length-prefixed string; a number
 * is the field's exact length, -1 any length.
 */
const HOST_KEY_FIELDS: Record<string, readonly number[]> = {
  "ssh-ed25519": [32],
  "ecdsa-sha2-nistp256": [8, 65],
  "ecdsa-sha2-nistp384": [8, 97],
  "ecdsa-sha2-nistp521": [8, 133],
  "sk-ssh-ed25519@openssh.com": [32, -1],
  "ssh-rsa": [-1, -1],
};

/** The type name inside an OpenSSH key blob, if the blob is a well-formed key of that type. */
function blobKeyType(blob: Buffer): string | undefined {
  const fields: Buffer[] = [];
  for (let at = 0; at < blob.length;) {
    if (at + 4 > blob.length) return undefined;
    const length = blob.readUInt32BE(at);
    if (at + 4 + length > blob.length) return undefined;
    fields.push(blob.subarray(at + 4, at + 4 + length));
    at += 4 + length;
  }
  const type = fields[0]?.toString("latin1");
  const expected = type === undefined ? undefined : HOST_KEY_FIELDS[type];
  if (!expected || fields.length !== expected.length + 1) return undefined;
  return expected.every((length, i) => length === -1 || fields[i + 1]!.length === length) ? type : undefined;
}

/** The key type of an OpenSSH public host key line ("<type> <base64>"), as the key data says. */
export function sshHostKeyType(text: string): string | undefined {
  const [label, data, ...rest] = text.trim().split(/\s+/);
  if (rest.length > 0 || !label || !data || !/^[A-Za-z0-9+/]+={0,2}$/.test(data)) return undefined;
  const type = blobKeyType(Buffer.from(data, "base64"));
  return type === label ? type : undefined;
}

/**
 * What is wrong with `text` as a pinned host key ("<type> <base64>", as in known_hosts without the host), or undefined.
 */
export function sshHostKeyProblem(text: string): string | undefined {
  if (sshHostKeyType(text) !== undefined) return undefined;
  const words = text.trim().split(/\s+/);
  const hint =
    words.length === 3 && words[1]! in HOST_KEY_FIELDS
      ? ` (drop the leading host name "${words[0]}" that ssh-keyscan prints)`
      : "";
  return (
    `expected an OpenSSH public host key such as "ssh-ed25519 AAAA…" ` +
    `(key type, then the key as base64)${hint}, got ${JSON.stringify(text)}`
  );
}

/**
 * A name the exporter's --wireguard.interfaces takes, without its "=" and "+": the Filebeat inputs
 * match the journal by the unit `wg-quick@<name>.service`, and a unit name cannot hold either.
 */
export function isInterfaceName(text: string): boolean {
  return isExporterInterfaceName(text) && !/[=+]/.test(text);
}

/** Prometheus label names, which host labels become. */
export function isLabelName(text: string): boolean {
  return /^[a-zA-Z_][a-zA-Z0-9_]*$/.test(text) && !text.startsWith("__");
}

// Values that end up in shell text, YAML, systemd units and URLs are quoted by each language's own
// serializer; the checks below additionally refuse what could never work where the value is used.

/** --web.listen-address's host: an IP address or a host name (the unit brackets IPv6 itself). */
export function listenAddressProblem(text: string): string | undefined {
  if (isHostOrIp(text)) return undefined;
  const hint = /^\[.*\]$/.test(text) ? " (write an IPv6 address without brackets)" : "";
  return `expected an IP address or a host name${hint}, got ${JSON.stringify(text)}`;
}

/**
 * Prometheus requests metrics_path through Go's net/url, which percent-encodes every character of
 * a path except letters, digits and - . _ ~ $ & + , / : ; = @; the exporter compares the raw request
 * path, so any other character (or a "." / ".." segment, which HTTP clients squash) is never reached.
 * "/", "/health" and "/peers" are the exporter's own pages and its flag refuses them.
 */
export function telemetryPathProblem(text: string): string | undefined {
  const usable = /^\/[A-Za-z0-9\-._~$&+,/:;=@]*$/.test(text) && !text.split("/").some((s) => s === "." || s === "..");
  if (usable && !EXPORTER_PAGES.includes(text)) return undefined;
  return (
    'expected a URL path Prometheus requests as written: "/" then letters, digits and - . _ ~ $ & + , / : ; = @ ' +
    `(no quotes, spaces, "%", "?", "#", non-ASCII, "." or ".." segments; ` +
    `not "/", "/health" or "/peers"), got ${JSON.stringify(text)}`
  );
}

/**
 * Absolute paths the deploy steps create and Prometheus reads. Besides the shell and YAML (both
 * quoted), Prometheus expands `rule_files` entries as globs, so * ? [ ] \ are as unusable as
 * spaces or control characters; the characters allowed are those of ordinary file names.
 */
export function absolutePathProblem(text: string): string | undefined {
  const segments = text.split("/").slice(1);
  if (/^(?:\/[A-Za-z0-9._+@-]+)+$/.test(text) && !segments.some((s) => s === "." || s === "..")) return undefined;
  return (
    `expected an absolute path of letters, digits and . _ - + @ between single ` +
    `"/" (no "." or ".." segment, no trailing "/"), got ${JSON.stringify(text)}`
  );
}

/** A systemd unit name for systemctl (letters, digits, : _ . @ - \ ; never an option). */
export function unitNameProblem(text: string): string | undefined {
  if (/^[A-Za-z0-9:_.@\\][A-Za-z0-9:_.@\\-]{0,254}$/.test(text)) return undefined;
  return (
    `expected a systemd unit name (letters, digits and : _ . @ ` +
    `- \\, not starting with "-"), got ${JSON.stringify(text)}`
  );
}

/** An SSH login name (POSIX portable user names). */
export function sshUserProblem(text: string): string | undefined {
  if (/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}$/.test(text)) return undefined;
  return (
    `expected a user name of at most 32 letters, digits and _ . ` +
    `- (not starting with "-" or "."), got ${JSON.stringify(text)}`
  );
}

/** HTTP basic auth sends "user:password", so the user name cannot hold ":" (RFC 7617 2). */
export function basicAuthUserProblem(text: string): string | undefined {
  if (text.length > 0 && !/[:\x00-\x1f\x7f]/.test(text)) return undefined;
  return (
    `expected a non-empty user name without ":" or control ` +
    `characters (HTTP basic auth), got ${JSON.stringify(text)}`
  );
}

/**
 * An http(s) URL as curl and the providers take it: only the characters RFC 3986 allows in a URL
 * (so nothing a shell, YAML or a header could read differently), no credentials (they would sit in
 * plain config and in process lists), no fragment.
 */
export function httpUrlProblem(text: string): string | undefined {
  const expected =
    `expected an http:// or https:// URL without user:password@, "#" ` +
    `or quotes (RFC 3986 characters only), got ${JSON.stringify(text)}`;
  if (!/^https?:\/\/[A-Za-z0-9\-._~:/?[\]@!$&()*+,;=%]+$/.test(text)) return expected;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return expected;
  }
  return url.hostname !== "" && url.username === "" && url.password === "" ? undefined : expected;
}

/** An Alertmanager's URL: Prometheus takes host:port, scheme and path_prefix apart, so a query has nowhere to go. */
export function alertmanagerUrlProblem(text: string): string | undefined {
  const problem = httpUrlProblem(text);
  if (problem !== undefined) return problem;
  if (!text.includes("?")) return undefined;
  return (
    `expected an Alertmanager URL without a query ("?"): Prometheus ` +
    `keeps only scheme, host:port and path, got ${JSON.stringify(text)}`
  );
}

/** A file_sd file: Prometheus reads only names ending .json, .yml or .yaml (discovery/file, fileSDConfig patterns). */
export function fileSdPathProblem(text: string): string | undefined {
  const problem = absolutePathProblem(text);
  if (problem !== undefined) return problem;
  if (/\.(?:json|ya?ml)$/i.test(text)) return undefined;
  return (
    `expected a file ending .json, .yml or .yaml (the names ` +
    `Prometheus's file_sd reads), got ${JSON.stringify(text)}`
  );
}

/** An Alertmanager API path prefix, as a URL path: "/" then RFC 3986 path characters. */
export function pathPrefixProblem(text: string): string | undefined {
  if (/^\/[A-Za-z0-9\-._~$&+,/:;=@]*$/.test(text)) return undefined;
  return `expected a URL path: "/" then letters, digits and - . _ ~ $ & + , / : ; = @, got ${JSON.stringify(text)}`;
}

const CONTROL = /[\x00-\x1f\x7f]/;

/** A receiver name of the user's Alertmanager: any well-formed text on one line (YAML quotes it). */
export function receiverNameProblem(text: string): string | undefined {
  if (text.trim() === "") return "expected a receiver name, got an empty one";
  if (CONTROL.test(text) || !isWellFormedText(text) || text !== text.trim()) {
    return (
      `expected a receiver name on one line without control ` +
      `characters or white space around it, got ${JSON.stringify(text)}`
    );
  }
  return undefined;
}

/**
 * Headers Prometheus sets itself and refuses in remote_write.headers (prometheus/config, reservedHeaders;
 * promtool 2.42 refuses exactly these).
 */
const RESERVED_REMOTE_WRITE_HEADERS = new Set([
  "authorization",
  "host",
  "content-encoding",
  "content-length",
  "content-type",
  "user-agent",
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "www-authenticate",
  "accept-encoding",
  "x-prometheus-remote-write-version",
  "x-prometheus-remote-read-version",
  "x-amz-date",
  "x-amz-security-token",
  "x-amz-content-sha256",
]);

/** An HTTP header name (RFC 9110 token) that Prometheus lets remote_write set. */
export function remoteWriteHeaderNameProblem(text: string): string | undefined {
  if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(text)) {
    return (
      `expected an HTTP header name (letters, digits and ! # ` +
      `$ % & ' * + - . ^ _ \` | ~), got ${JSON.stringify(text)}`
    );
  }
  if (RESERVED_REMOTE_WRITE_HEADERS.has(text.toLowerCase())) {
    return (
      `header ${JSON.stringify(text)} is set by Prometheus itself ` +
      `and refused in remote_write (use basicAuth for Authorization)`
    );
  }
  return undefined;
}

/**
 * An HTTP header value: one line (a line break would start another header), no white space around it (HTTP trims it).
 */
export function headerValueProblem(text: string): string | undefined {
  if (CONTROL.test(text) || !isWellFormedText(text) || text !== text.trim()) {
    return (
      `expected a header value on one line, without control ` +
      `characters or white space around it, got ${JSON.stringify(text)}`
    );
  }
  return undefined;
}

/**
 * The `replica` external label: a short identifier, so no store's HA handling and no $-expansion reads it differently.
 */
export function replicaProblem(text: string): string | undefined {
  if (/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/.test(text)) return undefined;
  return `expected a replica name of at most 63 letters, digits and _ . - (e.g. "a", "b"), got ${JSON.stringify(text)}`;
}
