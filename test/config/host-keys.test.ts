// Pinned SSH host keys: well-formed keys of a type the command provider can negotiate with a current
// OpenSSH server. ssh-rsa is refused: the provider offers only the pinned key's type as host-key
// algorithm, and for RSA that is the SHA-1 "ssh-rsa" signature OpenSSH 8.8+ turns down.
import { describe, expect, it } from "vitest";
import { validateStackConfig } from "../../src/model/index";
import { sshHostKeyProblem, sshHostKeyType } from "../../src/model/validators";

const ED25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIC5T7KVG0Jx6Chq6Q/n3wk+i3HXNcS4lpuw+hW1BxRka";
// Generated with ssh-keygen for these tests (public halves only).
const ECDSA_256 =
  "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBA+pt1+" +
  "7ob+CMq/lul4DSOl7y8gxPHgwvFvwEGTeyL9JGjf6rwcwoLimHp+O4f9VqY7oUg/bbtCgVFoIyroV6P0=";
const ECDSA_521 =
  "ecdsa-sha2-nistp521 AAAAE2VjZHNhLXNoYTItbmlzdHA1MjEAAAAIbmlzdHA1MjEAAACFBAFtHJ2BZQmm5HeaMOE" +
  "+/Vs3iSDis7g6wFZFNXkx+4KwheDPcBUv4SRsnPcq3kQooOaPmG8gBXIyQa4vs3gCBkezIABQ5tOmB0FMC1Nsb5" +
  "+iB9WxTAT+hg2KaXAYosHds8O54O6GCnBZFd8hm1S8tnoKTzeXo7K/Dc4nO5HMs90cfBScjg==";
const RSA =
  "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQCwA8lbOn1oMROL17HhV7qHbqZxg9HNsF9c64qwfZMvIol91MwOStmBExRnU" +
  "+oMpi7BSi6zD+dN6Pu8pF0vRF7ClYLEqyZXW2k3BYk4DXhDEz0h7RVOOiygfGgJ0lhQTzuCDeEoOJfKGs0xUuBruKXjXs73" +
  "CGwRXaKeGv228t5H7R89jcLf0k7VJrGevq4ub2tdSKjv9hZ0QiyJcjgQFuWEZnCnbMsVcK/6yz/" +
  "Qx0LpIlxaFbiwyNtxVFDiCv2eDlL7OCsqsflFIyz//pFP8/J3WlbeiScOcmXUCg2zmxcvOB9vRDqo+6FX0ITA97sAFz4+" +
  "epT0mXW35lE/MhcnACJj";

const P = "wireguard-monitoring:";

function stack(hostKeys: [string, string], prometheusKey: string) {
  return validateStackConfig(
    {
      hosts: [
        { name: "vpn-a", address: "203.0.113.10", ssh: { hostKey: hostKeys[0] } },
        { name: "vpn-b", address: "vpn-b.example.net", ssh: { hostKey: hostKeys[1] } },
      ],
      prometheus: { address: "203.0.113.20", ssh: { hostKey: prometheusKey } },
    },
    "test",
  );
}

describe("host key format", () => {
  it("reads the key type from the key data", () => {
    expect(sshHostKeyType(ED25519)).toBe("ssh-ed25519");
    expect(sshHostKeyType(ECDSA_256)).toBe("ecdsa-sha2-nistp256");
    expect(sshHostKeyType(ECDSA_521)).toBe("ecdsa-sha2-nistp521");
    expect(sshHostKeyType(RSA)).toBe("ssh-rsa");
    expect(sshHostKeyType(`  ${ED25519}\n`)).toBe("ssh-ed25519");
  });

  it.each([
    ["no key data", "ssh-ed25519"],
    ["truncated key data", ED25519.slice(0, 40)],
    ["a type name that does not match the key data", `ssh-ed25519 ${RSA.split(" ")[1]}`],
    ["an unknown type", "ssh-dss AAAAB3NzaC1kc3MAAACBAP"],
    ["not base64", "ssh-ed25519 not-base64!"],
  ])("refuses %s", (_what, text) => {
    expect(sshHostKeyType(text)).toBeUndefined();
    expect(sshHostKeyProblem(text)).toMatch(/^expected an OpenSSH public host key such as "ssh-ed25519 AAAA…"/);
  });

  it("says to drop the host name of a line copied from ssh-keyscan", () => {
    expect(sshHostKeyProblem(`203.0.113.10 ${ED25519}`)).toContain(
      `(drop the leading host name "203.0.113.10" that ssh-keyscan prints)`,
    );
  });
});

describe("host key types", () => {
  it("accepts ed25519 and ecdsa keys", () => {
    const r = stack([ED25519, ECDSA_256], ECDSA_521);
    expect(r.ok ? [] : r.errors).toEqual([]);
  });

  it("refuses ssh-rsa for hosts and the Prometheus server, saying why and what to pin instead", () => {
    const r = stack([ED25519, RSA], RSA);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.map((e) => e.path)).toEqual([`${P}hosts[1].ssh.hostKey`, `${P}prometheus.ssh.hostKey`]);
    const [host, prometheus] = r.errors;
    expect(host!.message).toBe(
      "ssh-rsa host keys cannot be used: the command provider " +
        "then offers only the ssh-rsa (SHA-1) host-key algorithm, " +
        "which OpenSSH 8.8 and later refuse, so the connection would always fail; pin the host's ed25519 key instead " +
        "(ssh-keyscan -t ed25519 vpn-b.example.net; an ecdsa key also works)",
    );
    expect(prometheus!.message).toContain("(ssh-keyscan -t ed25519 203.0.113.20; an ecdsa key also works)");
  });
});
