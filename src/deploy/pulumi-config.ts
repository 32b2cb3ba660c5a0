// Reads the same config through the Pulumi engine (`pulumi up`, or setMocks in preview/tests).
import * as pulumi from "@pulumi/pulumi";
import { formatErrors, PROJECT } from "../model/errors";
import type { Inventory } from "../model/inventory";
import { programConfigValues } from "../model/program-config";
import { SECRET_SET_COMMANDS, type SecretKey } from "../model/schema";
import { validateStackConfig } from "../model/validate";

/** Validates the stack's config or throws one error listing every problem. */
export function inventoryFromPulumiConfig(): Inventory {
  const result = validateStackConfig(programConfigValues(pulumi.runtime.allConfig()), pulumi.getStack());
  if (!result.ok) throw new Error(formatErrors(`stack ${pulumi.getStack()}`, result.errors));
  return result.inventory;
}

/** What to say when a secret the stack needs is unset or empty; undefined when it is set. */
function missingSecretMessage(key: SecretKey, why: string, text: string | undefined): string | undefined {
  if (text !== undefined && text.trim() !== "") return undefined;
  const state = text === undefined ? "is required" : "is empty but required";
  return `${PROJECT}:${key} ${state} (${why}); set it with \`${SECRET_SET_COMMANDS[key]}\``;
}

/** Passwords Prometheus reads from a password_file in its secretsDir. */
const PASSWORD_FILE_KEYS: ReadonlySet<SecretKey> = new Set([
  "exporterBasicAuthPassword",
  "alertmanagerBasicAuthPassword",
  "remoteWriteBasicAuthPassword",
]);

/**
 * What a secret's value cannot hold where it is used; the message never shows the value. The
 * basic-auth passwords: Prometheus trims white space around the text of its password_file
 * (prometheus/common), and the host's install step reads the exporters' password as one line to call
 * /health, so either would send another password than the one set.
 */
function secretValueProblem(key: SecretKey, text: string): string | undefined {
  if (!PASSWORD_FILE_KEYS.has(key) || !/^\s|\s$|[\x00-\x1f\x7f]/.test(text)) return undefined;
  return (
    `${PROJECT}:${key} must not start or end with white space or hold control characters such as line breaks ` +
    `(Prometheus trims white space around its password file, so it would send ` +
    `another password than the one set); set it with \`${SECRET_SET_COMMANDS[key]}\``
  );
}

export function requireSecretConfig(key: SecretKey, why: string): pulumi.Output<string> {
  const text = pulumi.runtime.getConfig(`${PROJECT}:${key}`);
  const problem = missingSecretMessage(key, why, text) ?? secretValueProblem(key, text!);
  if (problem !== undefined) throw new Error(problem);
  return pulumi.secret(text!);
}
