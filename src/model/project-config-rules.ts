// What the Pulumi CLI does with Pulumi.yaml's `config:` declarations and a stack file's `config:`
// before `pulumi up`/`preview` runs the program: the errors it stops with, and the config the
// program then gets. A model written from the CLI's source, so tests can hold Pulumi.yaml and every
// stack file to the CLI's rules without the CLI.
//
// Sources: github.com/pulumi/pulumi at commit 1b5949891b3cefcb9974752b24a5ecef0acc86c8; line
// numbers are at that commit. Short names used below:
//   config.go   = pkg/workspace/config.go            (ValidateStackConfigAndApplyProjectConfig, 368-378)
//   project.go  = sdk/go/common/workspace/project.go
//   project.json = sdk/go/common/workspace/project.json
//   loaders.go  = sdk/go/common/workspace/loaders.go
//   value.go, object.go, plaintext.go = sdk/go/common/resource/config/*.go
// `up` and `preview` validate unless --skip-config-validation (pkg/cmd/pulumi/operations/up.go:198-218,
// preview.go:522-540); `destroy` and `refresh` only when they run the program (destroy.go:277-301,
// refresh.go:255-279). Not modelled: ESC environments merged into the stack config
// (config.go:267-293), dotted (path) keys, and secrets nested inside maps or lists.

interface ItemsType {
  type: string;
  items?: ItemsType;
}

/** One `config:` entry of Pulumi.yaml, after the shorthand rewrite (ProjectConfigType, project.go:282-289). */
interface Declaration {
  type?: string;
  items?: ItemsType;
  description?: string;
  default?: unknown;
  value?: unknown;
  secret?: boolean;
}

export interface CliConfigRun {
  /**
   * What the CLI refuses to run the program for, in the order it checks. It prints only the first
   * and stops, so a later one shows up once the earlier ones are fixed. Empty: the program runs.
   */
  errors: string[];
  /** What it prints and goes on. */
  warnings: string[];
  /** `pulumi.runtime.allConfig()` as the program then sees it: full key → text. */
  config: Record<string, string>;
  /** Keys of `config` whose values reach the program as secrets. */
  secretKeys: string[];
}

export interface CliConfigOptions {
  /** Plaintext of a `secure:` value; the stand-in default is the ciphertext itself. */
  decrypt?: (ciphertext: string) => string;
}

/** A value the stack file stores encrypted: `key: { secure: <ciphertext> }`. */
function ciphertextOf(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const keys = Object.keys(value);
  const secure = (value as Record<string, unknown>).secure;
  return keys.length === 1 && typeof secure === "string" ? secure : undefined;
}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const present = (v: unknown) => v !== undefined && v !== null; // Go: `!= nil` on a YAML-decoded `any`

/**
 * Go's encoding/json output for a YAML-decoded value: map keys sorted. Stack maps and lists, and
 * non-scalar defaults, reach the program as this text (config.go:179-193, object.go:403-419).
 */
function goJson(value: unknown): string {
  const sorted = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sorted)
      : isMap(v)
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, sorted(v[k])]),
          )
        : v;
  return JSON.stringify(sorted(value));
}

/** strconv.Atoi on a 64-bit platform. */
function isAtoiInteger(text: string): boolean {
  if (!/^[+-]?\d+$/.test(text)) return false;
  const n = BigInt(text);
  return n >= -(2n ** 63n) && n < 2n ** 63n;
}

/** ValidateConfigValue (sdk/go/common/workspace/project.go:771-831). */
function validateConfigValue(typeName: string, items: ItemsType | undefined, value: unknown): boolean {
  if (typeName === "string") return typeof value === "string";
  if (typeName === "integer") {
    // Go ints from YAML, whole float64s from JSON, and strings strconv.Atoi parses (project.go:777-796)
    if (typeof value === "number") return Number.isInteger(value);
    return typeof value === "string" && isAtoiInteger(value);
  }
  if (typeName === "boolean") return value === "true" || value === "false" || typeof value === "boolean";
  if (typeName === "object") return isMap(value);
  // anything else must be a list whose items match `items` (project.go:815-830)
  if (!Array.isArray(value) || items === undefined) return false;
  return value.every((item) => validateConfigValue(items.type, items.items, item));
}

/** InferFullTypeName (project.go:760-766). */
function fullTypeName(typeName: string, items: ItemsType | undefined): string {
  return items ? `array<${fullTypeName(items.type, items.items)}>` : typeName;
}

const SIMPLE_TYPES: ReadonlySet<string> = new Set(["string", "integer", "boolean", "array", "object"]);
const DECLARATION_ATTRIBUTES: ReadonlySet<string> = new Set([
  "type",
  "items",
  "description",
  "secret",
  "default",
  "value",
]);

/**
 * The JSON schema Pulumi.yaml is checked against (sdk/go/common/workspace/project.json:74-106: an
 * entry is a string, integer, boolean, list or a declaration; 335-344: the type names; 345-377:
 * `items`; 378-398: a declaration's attributes, no others). The CLI's messages come from its JSON
 * schema library (project.go:569-647); these say the same in our words.
 */
function schemaErrors(key: string, entry: unknown): string[] {
  const at = `#/config/${key}`;
  if (typeof entry === "string" || typeof entry === "boolean" || Array.isArray(entry)) return [];
  if (typeof entry === "number")
    return Number.isInteger(entry)
      ? []
      : [`${at}: expected a string, integer, boolean, list or declaration, got ${entry}`];
  if (!isMap(entry))
    return [
      `${at}: expected a string, integer, boolean, list or declaration, got ${entry === null ? "null" : typeof entry}`,
    ];
  const errors: string[] = [];
  for (const attribute of Object.keys(entry)) {
    if (!DECLARATION_ATTRIBUTES.has(attribute)) errors.push(`${at}: additionalProperties '${attribute}' not allowed`);
  }
  if (entry.type !== undefined && !SIMPLE_TYPES.has(entry.type as string)) {
    errors.push(`${at}/type: must be one of "string", "integer", "boolean", "array", "object"`);
  }
  if (entry.description !== undefined && typeof entry.description !== "string")
    errors.push(`${at}/description: expected string`);
  if (entry.secret !== undefined && typeof entry.secret !== "boolean") errors.push(`${at}/secret: expected boolean`);
  const checkItems = (items: unknown, path: string): void => {
    if (!isMap(items) || items.type === undefined) {
      errors.push(`${path}: missing properties: 'type'`);
      return;
    }
    if (typeof items.type === "string" && !SIMPLE_TYPES.has(items.type))
      errors.push(`${path}/type: must be one of "string", "integer", "boolean", "array", "object"`);
    if (items.type === "array" && items.items === undefined) errors.push(`${path}: missing properties: 'items'`);
    if (items.items !== undefined) checkItems(items.items, `${path}/items`);
  };
  if (entry.items !== undefined) checkItems(entry.items, `${at}/items`);
  return errors;
}

/** configKeyIsNamespacedByProject (project.go:833-835). */
function namespacedByProject(projectName: string, key: string): boolean {
  return !key.includes(":") || key.startsWith(`${projectName}:`);
}

/** parseConfigKey (pkg/workspace/config.go:159-168): unqualified keys belong to the project. */
function fullKey(projectName: string, key: string): string {
  if (/^[^:]+:[^:]+:/.test(key) || key.includes("."))
    throw new Error(`config key "${key}": path keys are not modelled`);
  return key.includes(":") ? key : `${projectName}:${key}`;
}

/**
 * Loads Pulumi.yaml's `config:` the way LoadProjectBytes does (sdk/go/common/workspace/loaders.go:109-148):
 * schema check, shorthand rewrite, then Project.Validate.
 */
function loadDeclarations(
  projectName: string,
  config: unknown,
): { declarations: Map<string, Declaration>; errors: string[] } {
  const declarations = new Map<string, Declaration>();
  const errors: string[] = [];
  // `config: <string>` is the old spelling of stackConfigDir (project.go:448-467); null is no config
  if (!isMap(config)) return { declarations, errors };
  for (const [key, entry] of Object.entries(config)) errors.push(...schemaErrors(key, entry));
  if (errors.length > 0) return { declarations, errors: errors.map((e) => `could not validate 'Pulumi.yaml': ${e}`) };

  for (const [key, entry] of Object.entries(config)) {
    // RewriteShorthandConfigValues (project.go:486-517): `key: <scalar or list>` is a default for
    // the project's own keys and a value for other namespaces.
    const declaration: Declaration = isMap(entry)
      ? (entry as Declaration)
      : namespacedByProject(projectName, key)
        ? { default: entry }
        : { value: entry };
    declarations.set(key, declaration);
  }

  // Project.Validate (project.go:837-889); Go visits the map in random order and stops at the first error.
  for (const [key, d] of declarations) {
    const problem = (message: string) => errors.push(`could not unmarshal 'Pulumi.yaml': ${message}`);
    if (present(d.default) && present(d.value)) {
      problem(`project config '${key}' cannot have both a 'default' and 'value' attribute`);
      continue;
    }
    if (namespacedByProject(projectName, key)) {
      if (d.type === "array" && d.items === undefined) {
        problem(
          `The configuration key '${key}' declares an array but does ` +
            `not specify the underlying type via the 'items' attribute`,
        );
      } else if (d.type !== undefined && present(d.default) && !validateConfigValue(d.type, d.items, d.default)) {
        problem(
          `The default value specified for configuration key '${key}' ` +
            `is not of the expected type '${fullTypeName(d.type, d.items)}'`,
        );
      }
    } else if (d.type !== undefined) {
      problem(`Configuration key '${key}' is not namespaced by the project and should not define a type`);
    } else if (present(d.default)) {
      problem(
        `Configuration key '${key}' is not namespaced by the project and should not define ` +
          `a default value. Did you mean to use the 'value' attribute instead of 'default'?`,
      );
    } else if (!present(d.value)) {
      problem(`Configuration key '${key}' is namespaced and must provide an attribute 'value'`);
    }
  }
  return { declarations, errors };
}

/** A stack-file or injected value as the CLI holds it (config.Value: text, secure, object). */
interface StackValue {
  text: string;
  secure: boolean;
  object: boolean;
}

/** A stack file's YAML value as config.Value holds it (value.go:238-245, object.go:403-419). */
function stackValue(value: unknown, decrypt: (c: string) => string): StackValue {
  const ciphertext = ciphertextOf(value);
  if (ciphertext !== undefined) return { text: decrypt(ciphertext), secure: true, object: false };
  if (typeof value === "string") return { text: value, secure: false, object: false };
  if (typeof value === "boolean" || typeof value === "number")
    return { text: JSON.stringify(value), secure: false, object: false };
  if (value === null || value === undefined) return { text: "", secure: false, object: false };
  return { text: goJson(value), secure: false, object: true };
}

/** createConfigValue (config.go:170-193): strings, ints and bools as their text, anything else as JSON. */
function injectedValue(value: unknown): StackValue {
  if (typeof value === "string") return { text: value, secure: false, object: false };
  if (typeof value === "boolean" || (typeof value === "number" && Number.isInteger(value)))
    return { text: String(value), secure: false, object: false };
  return { text: goJson(value), secure: false, object: true };
}

/** formatMissingKeys and missingStackConfigurationKeysError (config.go:30-64). */
function missingKeysError(stackName: string, keys: string[]): string {
  const sorted = [...keys].sort();
  const quoted = sorted.map((k) => `'${k}'`);
  const list = quoted.length === 1 ? quoted[0]! : `${quoted.slice(0, -1).join(", ")} and ${quoted[quoted.length - 1]}`;
  return `Stack '${stackName}' is missing configuration ${keys.length === 1 ? "value" : "values"} ${list}`;
}

/**
 * Pulumi.yaml (parsed) + a stack file's `config:` map (parsed) → what `pulumi up --stack <stackName>`
 * reports before running the program, and the config the program gets.
 */
export function cliConfigRun(
  project: { name: string; config?: unknown },
  stackName: string,
  stackConfig: unknown,
  options: CliConfigOptions = {},
): CliConfigRun {
  const decrypt = options.decrypt ?? ((c: string) => c);
  const projectName = project.name;
  const { declarations, errors } = loadDeclarations(projectName, project.config);
  if (errors.length > 0) return { errors, warnings: [], config: {}, secretKeys: [] };

  // stackConfigNamespacedWithProject (loaders.go:61-89): unqualified stack keys are the project's.
  // checkForEmptyConfig (loaders.go:379-409): a key without a value is a warning, and "".
  const values = new Map<string, StackValue>();
  const warnings: string[] = [];
  const empty: string[] = [];
  for (const [key, value] of Object.entries(isMap(stackConfig) ? stackConfig : {})) {
    if (value === null) empty.push(key);
    values.set(fullKey(projectName, key), stackValue(value, decrypt));
  }
  if (empty.length > 0) {
    const keys = empty.map((k) => `"${k}"`);
    warnings.push(
      `No value for configuration key${empty.length > 1 ? "s" : ""} ` +
        `${keys.length === 2 ? keys.join(" and ") : keys.join(", ")}. ` +
        'This is currently treated as an empty string `""`, but ' +
        "will be treated as `null` in a future version of pulumi.\n" +
        `Set the value${empty.length > 1 ? "s" : ""} to \`""\` to avoid this warning.`,
    );
  }

  // mergeConfig (config.go:295-349), over the declarations in key order: a project key that the
  // stack does not set and that has neither default nor value is missing; otherwise the default
  // (or value) is set on the stack, as a plain value even when the key is secret.
  const keys = [...declarations.keys()].sort();
  const missing: string[] = [];
  for (const key of keys) {
    const d = declarations.get(key)!;
    const full = fullKey(projectName, key);
    if (values.has(full)) continue;
    const hasDefault = present(d.default);
    if (!hasDefault && !present(d.value)) {
      if (full.startsWith(`${projectName}:`)) missing.push(key);
      continue;
    }
    values.set(full, injectedValue(hasDefault ? d.default : d.value));
  }
  // config.go:351-355: all missing keys in one error, before any type is checked
  if (missing.length > 0) errors.push(missingKeysError(stackName, missing));

  // validateStackConfigValues (config.go:66-117): only declarations with a `type` are checked
  // (config.go:101), each with validateStackConfigValue (config.go:119-157): a secret declaration
  // needs an encrypted value (128-134); maps and lists are checked as decoded JSON, everything
  // else as text (136-143); then the type (145-154). Undeclared keys are not looked at.
  for (const key of keys) {
    const d = declarations.get(key)!;
    const v = values.get(fullKey(projectName, key));
    if (d.type === undefined || v === undefined) continue;
    if (d.secret && !v.secure) {
      errors.push(`Stack '${stackName}' with configuration key '${key}' must be encrypted as it's secret`);
      continue;
    }
    const content: unknown = v.object ? JSON.parse(v.text) : v.text;
    if (!validateConfigValue(d.type, d.items, content)) {
      errors.push(
        `Stack '${stackName}' with configuration key '${key}' must be of type '${fullTypeName(d.type, d.items)}'`,
      );
    }
  }

  // The program gets every value as text (plaintext.go:256-268), secrets decrypted and marked.
  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const [key, v] of [...values].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    config[key] = v.text;
    if (v.secure) secretKeys.push(key);
  }
  return { errors, warnings, config, secretKeys };
}
