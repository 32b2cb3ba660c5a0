// Config errors are values (path + message) until the CLI or the Pulumi program prints them.
import type { z } from "zod";

export const PROJECT = "wireguard-monitoring";

export interface ConfigError {
  /** Full key path as users write it, e.g. `wireguard-monitoring:hosts[2].address`. */
  path: string;
  message: string;
}

export function keyPath(path: ReadonlyArray<PropertyKey>): string {
  let out = `${PROJECT}:`;
  path.forEach((part, i) => {
    if (typeof part === "number") out += `[${part}]`;
    else out += i === 0 ? String(part) : `.${String(part)}`;
  });
  return out;
}

function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a map";
  if (typeof value === "string") return JSON.stringify(value);
  return `${typeof value} ${String(value)}`;
}

export function fromZodIssues(issues: ReadonlyArray<z.core.$ZodIssue>): ConfigError[] {
  const errors: ConfigError[] = [];
  for (const issue of issues) {
    const input = (issue as { input?: unknown }).input;
    switch (issue.code) {
      case "unrecognized_keys":
        for (const key of issue.keys) errors.push({ path: keyPath([...issue.path, key]), message: "unknown key" });
        break;
      case "invalid_type":
        errors.push({
          path: keyPath(issue.path),
          message:
            input === undefined
              ? `is required (expected ${issue.expected})`
              : `expected ${issue.expected}, got ${describe(input)}`,
        });
        break;
      case "invalid_value":
        errors.push({
          path: keyPath(issue.path),
          message: `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}, got ${describe(input)}`,
        });
        break;
      case "too_small":
      case "too_big":
        errors.push({
          path: keyPath(issue.path),
          message: issue.message.startsWith("expected")
            ? issue.message
            : `${issue.message.replace(/^Too (small|big): /, "")}, got ${describe(input)}`,
        });
        break;
      case "invalid_union": {
        // A key of two shapes (prometheus: a map or a list): report the errors of the shape the value has.
        const fitting = issue.errors.filter(
          (branch) => !branch.some((i) => i.code === "invalid_type" && i.path.length === 0),
        );
        if (fitting.length === 1) {
          errors.push(...fromZodIssues(fitting[0]!.map((i) => ({ ...i, path: [...issue.path, ...i.path] }))));
        } else {
          errors.push({ path: keyPath(issue.path), message: `expected a map or a list, got ${describe(input)}` });
        }
        break;
      }
      case "invalid_format":
        // A pattern with a message of its own ("expected a server name …") says it better than the format's name.
        errors.push({
          path: keyPath(issue.path),
          message: issue.message.startsWith("expected")
            ? issue.message
            : `expected ${issue.format === "url" ? "a URL" : issue.format}, got ${describe(input)}`,
        });
        break;
      case "invalid_key":
        // A map key refused by its own check (a header or label name): that check's message.
        errors.push({
          path: keyPath(issue.path),
          message: issue.issues.map((i) => i.message).join("; ") || `invalid key, got ${describe(input)}`,
        });
        break;
      default:
        errors.push({ path: keyPath(issue.path), message: issue.message });
    }
  }
  return errors;
}

export function formatErrors(source: string, errors: ReadonlyArray<ConfigError>): string {
  const head =
    `${source}: ${errors.length} error${errors.length === 1 ? "" : "s"} ` +
    `in the stack config (nothing was rendered or declared):`;
  return [head, ...errors.map((e) => `  ${e.path}: ${e.message}`)].join("\n");
}
