// Reads `Pulumi.<stack>.yaml` the way the Pulumi CLI would hand it to the program, without the CLI.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { load as parseYaml, YAMLException } from "js-yaml";
import { PROJECT, type ConfigError } from "./errors";
import { SECRET_KEYS } from "./schema";
import type { Inventory } from "./inventory";
import { validateStackConfig } from "./validate";

const SECRET_KEY_SET: ReadonlySet<string> = new Set(SECRET_KEYS);

interface ProjectConfigValues {
  /** Non-secret values, keyed without the `wireguard-monitoring:` prefix. */
  values: Record<string, unknown>;
  /** Secret keys that are set (their ciphertext is never read). */
  secretsSet: string[];
  errors: ConfigError[];
}

/**
 * Splits a stack file's `config:` map into our plain values and the names of our secrets.
 * Keys of other namespaces (provider settings) are left alone.
 */
function projectConfigValues(config: Record<string, unknown>): ProjectConfigValues {
  const values: Record<string, unknown> = {};
  const secretsSet: string[] = [];
  const errors: ConfigError[] = [];
  for (const [fullKey, value] of Object.entries(config)) {
    if (!fullKey.startsWith(`${PROJECT}:`)) continue;
    const key = fullKey.slice(PROJECT.length + 1);
    const isCiphertext = typeof value === "object" && value !== null && "secure" in value;
    if (SECRET_KEY_SET.has(key)) {
      if (isCiphertext) secretsSet.push(key);
      else
        errors.push({
          path: fullKey,
          message: `is a secret: set it with \`pulumi config set --secret ${key}\`, never as plain text`,
        });
    } else if (isCiphertext) {
      errors.push({ path: fullKey, message: "is not a secret setting; set it as plain config" });
    } else {
      values[key] = value;
    }
  }
  return { values, secretsSet: secretsSet.sort(), errors };
}

function stackFilePath(projectDir: string, stack: string): string {
  return join(projectDir, `Pulumi.${stack}.yaml`);
}

export type LoadResult =
  | {
      ok: true;
      inventory: Inventory;
      file: string;
      secretsSet: string[];
      /** the plain values, as the engine would get them */ values: Record<string, unknown>;
    }
  | { ok: false; file: string; errors: ConfigError[]; secretsSet: string[] };

/** Parses and validates a stack file's text; `file` is only used in messages. */
export function parseStackFile(text: string, file: string, stack: string): LoadResult {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    const mark = e instanceof YAMLException ? e.mark : undefined;
    const where = mark ? `${file}:${mark.line + 1}:${mark.column + 1}` : file;
    return {
      ok: false,
      file,
      secretsSet: [],
      errors: [{ path: where, message: `not valid YAML: ${(e as Error).message.split("\n")[0]}` }],
    };
  }
  const config = (doc as { config?: unknown } | null)?.config ?? {};
  if (typeof config !== "object" || config === null || Array.isArray(config)) {
    return {
      ok: false,
      file,
      secretsSet: [],
      errors: [{ path: `${file}: config`, message: "expected a map of config keys" }],
    };
  }
  const split = projectConfigValues(config as Record<string, unknown>);
  const result = validateStackConfig(split.values, stack, dirname(file));
  if (!result.ok || split.errors.length > 0) {
    return {
      ok: false,
      file,
      errors: [...split.errors, ...(result.ok ? [] : result.errors)],
      secretsSet: split.secretsSet,
    };
  }
  return { ok: true, inventory: result.inventory, file, secretsSet: split.secretsSet, values: split.values };
}

export function loadStackFile(projectDir: string, stack: string): LoadResult {
  const file = stackFilePath(projectDir, stack);
  if (!/^[A-Za-z0-9_.-]+$/.test(stack)) {
    return {
      ok: false,
      file,
      secretsSet: [],
      errors: [
        {
          path: "--stack",
          message: `expected a stack name of letters, digits, '_', '.', '-', got ${JSON.stringify(stack)}`,
        },
      ],
    };
  }
  if (!existsSync(file)) {
    return {
      ok: false,
      file,
      secretsSet: [],
      errors: [{ path: "--stack", message: `no stack file ${file} for stack "${stack}"` }],
    };
  }
  return parseStackFile(readFileSync(file, "utf8"), file, stack);
}
