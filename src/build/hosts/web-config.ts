// The exporter's --web.config.file (exporter-toolkit format). Rendered without secrets: with basic
// auth on, the file ends in a marker comment, and the host component appends `basic_auth_users`
// with a bcrypt hash of the secret exporterBasicAuthPassword at deploy time (as a secret Output).
import { createHash } from "node:crypto";
import bcrypt from "bcryptjs";
import { dump } from "js-yaml";
import type { Host, Inventory } from "../../model/index";

export const BASIC_AUTH_MARKER =
  "# basic_auth_users: appended at deploy time (bcrypt of the secret exporterBasicAuthPassword)";
const BCRYPT_COST = 10;

export function renderWebConfig(inventory: Inventory, host: Host): string {
  const { tls, basicAuth } = inventory.exporter;
  let text =
    `# Managed by wireguard-monitoring (stack ${inventory.stack}, host ${host.name}); ` + "changes are overwritten.\n";
  if (tls.enabled) text += yamlText({ tls_server_config: { cert_file: tls.certFile, key_file: tls.keyFile } });
  if (basicAuth.enabled) text += `${BASIC_AUTH_MARKER}\n`;
  // The exporter wants a document, not only comments: plain HTTP, no auth is an empty mapping.
  if (!tls.enabled && !basicAuth.enabled) text += "{}\n";
  return text;
}

/**
 * bcrypt with a salt derived from the stack and host only, so that re-deploying the same password
 * produces the same file (no change, no restart) while hosts get different hashes. The salt must
 * not depend on the password: it would then be a fast (SHA-256) check of guesses beside bcrypt.
 */
export function basicAuthHash(password: string, saltContext: string): string {
  const seed = createHash("sha256").update(`wireguard-monitoring web-config salt\0${saltContext}`).digest();
  const salt = `$2b$${String(BCRYPT_COST).padStart(2, "0")}$${bcrypt.encodeBase64(seed.subarray(0, 16), 16)}`;
  return bcrypt.hashSync(password, salt);
}

/** The deployed web config: the rendered text with the marker replaced by the user and hash. */
export function withBasicAuthUser(rendered: string, username: string, hash: string): string {
  if (!rendered.includes(BASIC_AUTH_MARKER)) throw new Error("web config was rendered without basic auth");
  // A function replacement: a `$` in the user name or hash is no replacement pattern.
  return rendered.replace(BASIC_AUTH_MARKER, () => yamlText({ basic_auth_users: { [username]: hash } }).trimEnd());
}

/** Every value through js-yaml: a path or user name can never add keys of its own. */
function yamlText(value: unknown): string {
  return dump(value, { lineWidth: -1, noRefs: true, sortKeys: false });
}
