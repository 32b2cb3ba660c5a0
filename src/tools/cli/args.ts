// A tiny flag parser for our two CLIs: `--name value` / `--name=value`, unknown flags are errors.

export interface FlagSpec {
  /** Flags that take a value. */
  values: readonly string[];
  /** Flags that are on/off. */
  switches: readonly string[];
}

export type ParsedArgs =
  { ok: true; values: Record<string, string>; switches: Set<string> } | { ok: false; error: string };

export function parseArgs(argv: readonly string[], spec: FlagSpec): ParsedArgs {
  const values: Record<string, string> = {};
  const switches = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith("--"))
      return { ok: false, error: `unexpected argument ${JSON.stringify(arg)} (flags start with --)` };
    const eq = arg.indexOf("=");
    const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    if (spec.switches.includes(name)) {
      if (eq !== -1) return { ok: false, error: `--${name} takes no value` };
      switches.add(name);
    } else if (spec.values.includes(name)) {
      const value = eq === -1 ? argv[++i] : arg.slice(eq + 1);
      if (value === undefined || value === "" || (eq === -1 && value.startsWith("--")))
        return { ok: false, error: `--${name} needs a value` };
      values[name] = value;
    } else {
      const known = [...spec.values, ...spec.switches].map((f) => `--${f}`).join(", ");
      return { ok: false, error: `unknown flag --${name} (known: ${known})` };
    }
  }
  return { ok: true, values, switches };
}
