// A throwaway certificate for 127.0.0.1 (openssl, one day, no passphrase), for tests that serve TLS.
import { execFileSync } from "node:child_process";
import { join } from "node:path";

/** Writes `key.pem` and `cert.pem` into `dir` and returns their paths. */
export function selfSignedCert(dir: string): { key: string; cert: string } {
  const key = join(dir, "key.pem");
  const cert = join(dir, "cert.pem");
  const subject = ["-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"];
  execFileSync(
    "openssl",
    ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", ...subject, "-keyout", key, "-out", cert],
    { stdio: "ignore" },
  );
  return { key, cert };
}
