// Reads the same config through the Pulumi engine (`pulumi up`, or setMocks in preview/tests).
import * as pulumi from "@pulumi/pulumi";
import { formatErrors, PROJECT } from "./errors";
import type { Inventory } from "./inventory";
import { SECRET_KEYS, type SecretKey } from "./schema";
import { validateStackConfig } from "./validate";

/** Structured config reaches the program as JSON text; plain strings stay strings. */
function decode(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Validates the stack's config or throws one error listing every problem. */
export function inventoryFromPulumiConfig(): Inventory {
  const secret: ReadonlySet<string> = new Set(SECRET_KEYS);
  const values: Record<string, unknown> = {};
  for (const [fullKey, text] of Object.entries(pulumi.runtime.allConfig())) {
    if (!fullKey.startsWith(`${PROJECT}:`)) continue;
    const key = fullKey.slice(PROJECT.length + 1);
    if (!secret.has(key)) values[key] = decode(text);
  }
  const result = validateStackConfig(values, pulumi.getStack());
  if (!result.ok) throw new Error(formatErrors(`stack ${pulumi.getStack()}`, result.errors));
  return result.inventory;
}

/** A secret from the stack config, kept secret in every output that uses it. */
export function secretConfig(key: SecretKey): pulumi.Output<string> | undefined {
  return new pulumi.Config(PROJECT).getSecret(key);
}

export function requireSecretConfig(key: SecretKey, why: string): pulumi.Output<string> {
  const value = secretConfig(key);
  if (value === undefined) {
    throw new Error(`${PROJECT}:${key} is required (${why}); set it with \`pulumi config set --secret ${key}\``);
  }
  return value;
}
