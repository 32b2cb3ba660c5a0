// Secrets whose value could not work where it is used are refused by key, without showing the value.
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { requireSecretConfig } from "../../src/deploy/pulumi-config";

const KEY = "wireguard-monitoring:exporterBasicAuthPassword";
const set = (value: string) => pulumi.runtime.setAllConfig({ [KEY]: value }, [KEY]);
const requirePassword = () => requireSecretConfig("exporterBasicAuthPassword", "exporter.basicAuth.enabled is true");

describe("the exporters' basic-auth password", () => {
  it.each([
    ["a trailing line break", "s3cret-from-a-file\n"],
    ["a leading space", " s3cret"],
    ["a line break inside", "s3cret\nsecond-line"],
    ["a control character", "s3cret\u0007"],
  ])("with %s is refused, naming the key but not the value", (_what, value) => {
    set(value);
    let message = "";
    try {
      requirePassword();
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain(`${KEY} must not start or end with white space or hold control characters`);
    expect(message).toContain("`pulumi config set --secret exporterBasicAuthPassword`");
    expect(message).not.toContain("s3cret");
  });

  it("may hold spaces, quotes and shell metacharacters inside", async () => {
    set(`p w$(touch /tmp/x)'"\`;:|&`);
    expect(await pulumi.isSecret(requirePassword())).toBe(true);
  });
});
