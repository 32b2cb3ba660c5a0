// --web.config.file in the exporter-toolkit format: TLS (node:tls) and basic auth with bcrypt
// hashes (bcryptjs). Unknown fields are errors, as in exporter-toolkit's strict parsing.
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { validateHeaderValue } from "node:http";
import { createSecureContext, type SecureContextOptions, type TLSSocket, type TlsOptions } from "node:tls";
import { load as loadYaml } from "js-yaml";

export type ClientAuth =
  | "NoClientCert"
  | "RequestClientCert"
  | "RequireAnyClientCert"
  | "VerifyClientCertIfGiven"
  | "RequireAndVerifyClientCert";

export interface WebConfig {
  /** Options for https.createServer, and the client-certificate policy that node:tls cannot
   * express alone (see enforceClientAuth). */
  tls: (TlsOptions & { clientAuth: ClientAuth }) | null;
  users: Map<string, string>; // user → bcrypt hash
  headers: Record<string, string>;
}

// Everything below follows exporter-toolkit's web/tls_config.go and web/handler.go
// (github.com/prometheus/exporter-toolkit, commit 19a7c2d), which is what Prometheus
// exporters configured with the same file do. Line numbers refer to that commit.

const TLS_FIELDS = new Set([
  "cert_file",
  "key_file",
  "cert",
  "key",
  "client_ca_file",
  "client_ca",
  "client_auth_type",
  "min_version",
  "max_version",
  "cipher_suites",
  "prefer_server_cipher_suites",
  "curve_preferences",
  "client_allowed_sans",
]);

// tls_config.go:280-293; "RequireClientCert" is its old name for RequireAnyClientCert (:283).
const CLIENT_AUTH: Record<string, ClientAuth> = {
  "": "NoClientCert",
  NoClientCert: "NoClientCert",
  RequestClientCert: "RequestClientCert",
  RequireAnyClientCert: "RequireAnyClientCert",
  RequireClientCert: "RequireAnyClientCert",
  VerifyClientCertIfGiven: "VerifyClientCertIfGiven",
  RequireAndVerifyClientCert: "RequireAndVerifyClientCert",
};

// tls_config.go:527-539 (names), :157-158 (defaults TLS12..TLS13).
const VERSIONS = { TLS10: "TLSv1", TLS11: "TLSv1.1", TLS12: "TLSv1.2", TLS13: "TLSv1.3" } as const satisfies Record<
  string,
  SecureContextOptions["minVersion"]
>;
type VersionName = keyof typeof VERSIONS;
const VERSION_ORDER: VersionName[] = ["TLS10", "TLS11", "TLS12", "TLS13"];

// cipher_suites takes the names of Go's tls.CipherSuites() (tls_config.go:472-482); the
// OpenSSL name of each. Go does not let TLS 1.3 suites be configured (crypto/tls Config.
// CipherSuites: "Note that TLS 1.3 ciphersuites are not configurable"), so those names are
// accepted and leave TLS 1.3 as it is, which is what they do under exporter-toolkit.
const CIPHERS: Record<string, string | null> = {
  TLS_RSA_WITH_AES_128_CBC_SHA: "AES128-SHA",
  TLS_RSA_WITH_AES_256_CBC_SHA: "AES256-SHA",
  TLS_RSA_WITH_AES_128_GCM_SHA256: "AES128-GCM-SHA256",
  TLS_RSA_WITH_AES_256_GCM_SHA384: "AES256-GCM-SHA384",
  TLS_AES_128_GCM_SHA256: null,
  TLS_AES_256_GCM_SHA384: null,
  TLS_CHACHA20_POLY1305_SHA256: null,
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA: "ECDHE-ECDSA-AES128-SHA",
  TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA: "ECDHE-ECDSA-AES256-SHA",
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA: "ECDHE-RSA-AES128-SHA",
  TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA: "ECDHE-RSA-AES256-SHA",
  TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: "ECDHE-ECDSA-AES128-GCM-SHA256",
  TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: "ECDHE-ECDSA-AES256-GCM-SHA384",
  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: "ECDHE-RSA-AES128-GCM-SHA256",
  TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384: "ECDHE-RSA-AES256-GCM-SHA384",
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256: "ECDHE-RSA-CHACHA20-POLY1305",
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: "ECDHE-ECDSA-CHACHA20-POLY1305",
};
const TLS13_SUITES = "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256";

// tls_config.go:491-496 (names), :508 (anything else is an error).
const CURVES: Record<string, string> = { CurveP256: "P-256", CurveP384: "P-384", CurveP521: "P-521", X25519: "X25519" };

// handler.go:33-39: the only headers exporter-toolkit lets a config set, and for some the only
// values; handler.go:60-77 refuses the rest at start.
const HEADERS: Record<string, readonly string[] | null> = {
  "Strict-Transport-Security": null,
  "X-Content-Type-Options": ["nosniff"],
  "X-Frame-Options": ["deny", "sameorigin"],
  "X-XSS-Protection": null,
  "Content-Security-Policy": null,
};

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
    if (!["tls_server_config", "basic_auth_users", "http_server_config"].includes(k))
      return `${where}: ${k}: unknown field`;
  }
  const base = dirname(resolve(path));

  let tls: WebConfig["tls"] = null;
  if (d.tls_server_config !== undefined && d.tls_server_config !== null) {
    const t = parseTls(d.tls_server_config, base);
    if (typeof t === "string") return `${where}: tls_server_config${t}`;
    tls = t;
  }

  const users = new Map<string, string>();
  if (d.basic_auth_users !== undefined && d.basic_auth_users !== null) {
    if (typeof d.basic_auth_users !== "object" || Array.isArray(d.basic_auth_users))
      return `${where}: basic_auth_users: expected a mapping of user: bcrypt-hash`;
    for (const [u, h] of Object.entries(d.basic_auth_users as Record<string, unknown>)) {
      if (typeof h !== "string" || !BCRYPT_HASH.test(h)) return `${where}: basic_auth_users.${u}: not a bcrypt hash`;
      users.set(u, h);
    }
  }

  const headers: Record<string, string> = {};
  if (d.http_server_config !== undefined && d.http_server_config !== null) {
    const h = d.http_server_config as Record<string, unknown>;
    if (typeof h !== "object" || Array.isArray(h)) return `${where}: http_server_config: expected a mapping`;
    for (const k of Object.keys(h))
      if (k !== "headers" && k !== "http2") return `${where}: http_server_config.${k}: unknown field`;
    if (h.headers !== undefined && h.headers !== null && (typeof h.headers !== "object" || Array.isArray(h.headers))) {
      return `${where}: http_server_config.headers: expected a mapping of header: value`;
    }
    for (const [k, v] of Object.entries((h.headers as Record<string, unknown>) ?? {})) {
      const at = `${where}: http_server_config.headers.${k}`;
      if (!(k in HEADERS))
        return `${at}: this header can not be configured (one of ${Object.keys(HEADERS).join(", ")})`;
      if (typeof v !== "string") return `${at}: expected a string`;
      const allowed = HEADERS[k];
      if (allowed && !allowed.includes(v))
        return `${at}: expected one of ${allowed.join(", ")}, got ${JSON.stringify(v)}`;
      try {
        validateHeaderValue(k, v); // CR, LF and other control characters would fail every response
      } catch {
        return `${at}: ${JSON.stringify(v)} is not a valid header value (control characters such as CR or LF)`;
      }
      headers[k] = v;
    }
  }
  return { tls, users, headers };
}

export const BCRYPT_HASH = /^\$2[aby]\$(\d\d)\$[./A-Za-z0-9]{53}$/;

/** tls_server_config → https options; an error is returned as ".field: reason". */
function parseTls(raw: unknown, base: string): NonNullable<WebConfig["tls"]> | string {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return ": expected a mapping";
  const t = raw as Record<string, unknown>;
  for (const k of Object.keys(t)) if (!TLS_FIELDS.has(k)) return `.${k}: unknown field`;
  for (const k of [
    "cert_file",
    "key_file",
    "cert",
    "key",
    "client_ca_file",
    "client_ca",
    "client_auth_type",
    "min_version",
    "max_version",
  ]) {
    if (t[k] !== undefined && t[k] !== null && typeof t[k] !== "string") return `.${k}: expected a string`;
  }
  const str = (k: string) => (typeof t[k] === "string" && t[k] !== "" ? (t[k] as string) : undefined);
  if (t.client_allowed_sans !== undefined && t.client_allowed_sans !== null) {
    return (
      ".client_allowed_sans: not supported by this exporter (use " +
      "RequireAndVerifyClientCert with a client_ca_file that signs only the allowed clients)"
    );
  }
  // tls_config.go:180-190: a certificate and a key, each from a file or inline.
  if (!str("cert_file") && !str("cert")) return ": missing one of cert or cert_file";
  if (!str("key_file") && !str("key")) return ": missing one of key or key_file";
  if (str("cert_file") && str("cert")) return ": cert and cert_file are exclusive";
  if (str("key_file") && str("key")) return ": key and key_file are exclusive";
  if (str("client_ca_file") && str("client_ca")) return ": client_ca and client_ca_file are exclusive";

  const authName = str("client_auth_type") ?? "";
  const clientAuth = CLIENT_AUTH[authName];
  if (clientAuth === undefined)
    return (
      `.client_auth_type: invalid ${JSON.stringify(authName)}, one ` +
      `of ${Object.keys(CLIENT_AUTH).filter(Boolean).join(", ")}`
    );
  const hasCa = str("client_ca_file") !== undefined || str("client_ca") !== undefined;
  // tls_config.go:295-297
  if (hasCa && clientAuth === "NoClientCert")
    return ": client CA's have been configured without a Client Auth Policy (client_auth_type)";
  // Go verifies against the system roots when no CA is given; here verifying needs the CA named.
  if ((clientAuth === "VerifyClientCertIfGiven" || clientAuth === "RequireAndVerifyClientCert") && !hasCa) {
    return `.client_ca_file is required for ${clientAuth}`;
  }

  const version = (k: "min_version" | "max_version", dflt: VersionName): VersionName | string => {
    const v = str(k) ?? dflt;
    return v in VERSIONS
      ? (v as VersionName)
      : `.${k}: unknown TLS version ${JSON.stringify(v)}, one of ${VERSION_ORDER.join(", ")}`;
  };
  const min = version("min_version", "TLS12");
  if (!(min in VERSIONS)) return min;
  const max = version("max_version", "TLS13");
  if (!(max in VERSIONS)) return max;
  // Go starts with these and then fails every handshake; refusing at start says why.
  if (VERSION_ORDER.indexOf(min as VersionName) > VERSION_ORDER.indexOf(max as VersionName))
    return `: min_version ${min} is above max_version ${max}`;
  let minVersion = VERSIONS[min as VersionName];
  const maxVersion = VERSIONS[max as VersionName];

  let ciphers: string | undefined;
  if (t.cipher_suites !== undefined && t.cipher_suites !== null) {
    if (!Array.isArray(t.cipher_suites)) return ".cipher_suites: expected a list of names";
    const tls12: string[] = [];
    for (const [i, name] of t.cipher_suites.entries()) {
      if (typeof name !== "string" || !(name in CIPHERS))
        return (
          `.cipher_suites[${i}]: unknown cipher ${JSON.stringify(name)}, one of ` + Object.keys(CIPHERS).join(", ")
        );
      const openssl = CIPHERS[name];
      if (openssl && !tls12.includes(openssl)) tls12.push(openssl);
    }
    if (t.cipher_suites.length > 0) {
      if (tls12.length === 0) {
        // Only TLS 1.3 names: under Go no suite is left for TLS 1.2 and below (tls_config.go:245-251).
        if (max !== "TLS13")
          return (
            `.cipher_suites: lists only TLS 1.3 suites, which are not ` +
            `configurable, so nothing is left up to max_version ${max}`
          );
        minVersion = "TLSv1.3";
      }
      // Below TLS 1.2, OpenSSL 3 refuses the SHA-1 handshake signatures at its default level.
      ciphers = [TLS13_SUITES, ...tls12].join(":") + (min === "TLS10" || min === "TLS11" ? ":@SECLEVEL=0" : "");
    }
  }
  if (ciphers === undefined && (min === "TLS10" || min === "TLS11")) ciphers = `${TLS13_SUITES}:DEFAULT:@SECLEVEL=0`;

  let ecdhCurve: string | undefined;
  if (t.curve_preferences !== undefined && t.curve_preferences !== null) {
    if (!Array.isArray(t.curve_preferences)) return ".curve_preferences: expected a list of names";
    const names: string[] = [];
    for (const [i, name] of t.curve_preferences.entries()) {
      if (typeof name !== "string" || !(name in CURVES))
        return (
          `.curve_preferences[${i}]: unknown curve ${JSON.stringify(name)}, ` +
          `one of ${Object.keys(CURVES).join(", ")}`
        );
      names.push(CURVES[name]!);
    }
    if (names.length > 0) ecdhCurve = names.join(":");
  }
  // prefer_server_cipher_suites is passed to Go (tls_config.go:238), where it has had no effect
  // since Go 1.17 (crypto/tls: "PreferServerCipherSuites is a legacy field and has no effect").
  if (
    t.prefer_server_cipher_suites !== undefined &&
    t.prefer_server_cipher_suites !== null &&
    typeof t.prefer_server_cipher_suites !== "boolean"
  ) {
    return ".prefer_server_cipher_suites: expected true or false";
  }

  const read = (field: string): Buffer | string => {
    const inline = str(field.replace(/_file$/, ""));
    if (inline !== undefined) return Buffer.from(inline);
    try {
      return readFileSync(resolve(base, str(field)!));
    } catch (e) {
      return `: ${(e as Error).message}`; // the message names the file
    }
  };
  const cert = read("cert_file");
  if (typeof cert === "string") return cert;
  const key = read("key_file");
  if (typeof key === "string") return key;
  let ca: Buffer | undefined;
  if (hasCa) {
    const c = read("client_ca_file");
    if (typeof c === "string") return c;
    ca = c;
  }
  const options: NonNullable<WebConfig["tls"]> = {
    cert,
    key,
    ...(ca ? { ca } : {}),
    requestCert: clientAuth !== "NoClientCert",
    rejectUnauthorized: clientAuth === "RequireAndVerifyClientCert",
    clientAuth,
    minVersion,
    maxVersion,
    ...(ciphers ? { ciphers } : {}),
    ...(ecdhCurve ? { ecdhCurve } : {}),
  };
  try {
    createSecureContext(options); // a bad key, certificate or CA is an error now, not at the first handshake
  } catch (e) {
    return `: ${(e as Error).message}`;
  }
  return options;
}

/**
 * What node:tls cannot say in its options, checked once a handshake is done (before any request
 * is read): RequireAnyClientCert needs a certificate but does not verify it, and
 * VerifyClientCertIfGiven refuses a certificate that was given but does not verify. Go fails
 * these handshakes; here the connection is closed. Returns why, or null when it may proceed.
 */
export function clientCertRefusal(socket: TLSSocket, clientAuth: ClientAuth): string | null {
  if (clientAuth !== "RequireAnyClientCert" && clientAuth !== "VerifyClientCertIfGiven") return null;
  const given = Object.keys(socket.getPeerCertificate() ?? {}).length > 0;
  if (clientAuth === "RequireAnyClientCert") return given ? null : "no client certificate";
  return given && !socket.authorized ? `client certificate not trusted: ${String(socket.authorizationError)}` : null;
}
