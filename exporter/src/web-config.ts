// --web.config.file in the exporter-toolkit format: TLS (node:tls) and basic auth with bcrypt
// hashes (bcryptjs). Unknown fields are errors, as in exporter-toolkit's strict parsing.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { SecureContextOptions, TlsOptions } from "node:tls";
import bcrypt from "bcryptjs";
import { load as loadYaml } from "js-yaml";

export interface WebConfig {
  tls: (TlsOptions & { verifyIfGiven: boolean }) | null;
  users: Map<string, string>; // user → bcrypt hash
  headers: Record<string, string>;
}

const TLS_FIELDS = new Set(["cert_file", "key_file", "client_auth_type", "client_ca_file", "min_version", "max_version", "cipher_suites", "prefer_server_cipher_suites", "curve_preferences"]);
const CLIENT_AUTH = ["NoClientCert", "RequestClientCert", "RequireAnyClientCert", "VerifyClientCertIfGiven", "RequireAndVerifyClientCert"];
const VERSIONS: Record<string, SecureContextOptions["minVersion"]> = { TLS10: "TLSv1", TLS11: "TLSv1.1", TLS12: "TLSv1.2", TLS13: "TLSv1.3" };

/** Reads and validates the file; paths inside are relative to it. Throws with a clear message. */
export function loadWebConfig(path: string): WebConfig {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new Error(`web config ${path}: ${(e as Error).message}`);
  }
  const r = parseWebConfig(text, path);
  if (typeof r === "string") throw new Error(r);
  return r;
}

export function parseWebConfig(text: string, path: string): WebConfig | string {
  const where = `web config ${path}`;
  let doc: unknown;
  try {
    doc = loadYaml(text) ?? {};
  } catch (e) {
    return `${where}: ${(e as Error).message.split("\n")[0]}`;
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) return `${where}: expected a mapping`;
  const d = doc as Record<string, unknown>;
  for (const k of Object.keys(d)) {
    if (!["tls_server_config", "basic_auth_users", "http_server_config"].includes(k)) return `${where}: ${k}: unknown field`;
  }
  const base = dirname(resolve(path));
  const file = (p: string) => readFileSync(resolve(base, p));

  let tls: WebConfig["tls"] = null;
  if (d.tls_server_config !== undefined && d.tls_server_config !== null) {
    const t = d.tls_server_config as Record<string, unknown>;
    if (typeof t !== "object") return `${where}: tls_server_config: expected a mapping`;
    for (const k of Object.keys(t)) if (!TLS_FIELDS.has(k)) return `${where}: tls_server_config.${k}: unknown field`;
    if (typeof t.cert_file !== "string" || typeof t.key_file !== "string") {
      return `${where}: tls_server_config: cert_file and key_file are required`;
    }
    const auth = (t.client_auth_type as string | undefined) ?? "NoClientCert";
    if (!CLIENT_AUTH.includes(auth)) return `${where}: tls_server_config.client_auth_type: one of ${CLIENT_AUTH.join(", ")}`;
    const verify = auth === "RequireAndVerifyClientCert" || auth === "VerifyClientCertIfGiven";
    if (verify && typeof t.client_ca_file !== "string") return `${where}: tls_server_config.client_ca_file is required for ${auth}`;
    for (const f of ["min_version", "max_version"] as const) {
      if (t[f] !== undefined && !(String(t[f]) in VERSIONS)) return `${where}: tls_server_config.${f}: one of ${Object.keys(VERSIONS).join(", ")}`;
    }
    try {
      tls = {
        cert: file(t.cert_file),
        key: file(t.key_file),
        ...(typeof t.client_ca_file === "string" ? { ca: file(t.client_ca_file) } : {}),
        requestCert: auth !== "NoClientCert",
        rejectUnauthorized: auth === "RequireAndVerifyClientCert",
        verifyIfGiven: auth === "VerifyClientCertIfGiven",
        minVersion: VERSIONS[String(t.min_version ?? "TLS12")],
        ...(t.max_version !== undefined ? { maxVersion: VERSIONS[String(t.max_version)] } : {}),
      };
    } catch (e) {
      return `${where}: tls_server_config: ${(e as Error).message}`;
    }
  }

  const users = new Map<string, string>();
  if (d.basic_auth_users !== undefined && d.basic_auth_users !== null) {
    if (typeof d.basic_auth_users !== "object" || Array.isArray(d.basic_auth_users)) return `${where}: basic_auth_users: expected a mapping of user: bcrypt-hash`;
    for (const [u, h] of Object.entries(d.basic_auth_users as Record<string, unknown>)) {
      if (typeof h !== "string" || !/^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$/.test(h)) return `${where}: basic_auth_users.${u}: not a bcrypt hash`;
      users.set(u, h);
    }
  }

  const headers: Record<string, string> = {};
  if (d.http_server_config !== undefined && d.http_server_config !== null) {
    const h = d.http_server_config as Record<string, unknown>;
    for (const k of Object.keys(h)) if (k !== "headers" && k !== "http2") return `${where}: http_server_config.${k}: unknown field`;
    for (const [k, v] of Object.entries((h.headers as Record<string, unknown>) ?? {})) headers[k] = String(v);
  }
  return { tls, users, headers };
}

/**
 * Basic-auth checker. bcrypt is deliberately slow, so successful checks are cached by a hash
 * of the credentials (as exporter-toolkit does); a scrape every few seconds stays cheap.
 */
export function basicAuthChecker(users: Map<string, string>): (header: string | undefined) => Promise<boolean> {
  const good = new Set<string>();
  const dummy = bcrypt.hashSync("not-a-user", 10);
  return async (header) => {
    if (!header?.startsWith("Basic ")) return false;
    const decoded = Buffer.from(header.slice(6), "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon < 0) return false;
    const user = decoded.slice(0, colon);
    const pass = decoded.slice(colon + 1);
    const hash = users.get(user);
    const cacheKey = createHash("sha256").update(`${user}\0${pass}\0${hash ?? ""}`).digest("hex");
    if (hash && good.has(cacheKey)) return true;
    const ok = await bcrypt.compare(pass, hash ?? dummy); // compare even for unknown users: same timing
    if (ok && hash) {
      good.add(cacheKey);
      return true;
    }
    return false;
  };
}
