// The config as Pulumi's runtime hands it to the program (`pulumi.runtime.allConfig()`: full key →
// text, maps and lists as JSON), turned back into the plain values the schema validates.
import { PROJECT } from "./errors";
import { SECRET_KEYS, TEXT_KEYS } from "./schema";

const SECRET_KEY_SET: ReadonlySet<string> = new Set(SECRET_KEYS);

/** Our plain values, keyed without the `wireguard-monitoring:` prefix; secrets and other namespaces are left out. */
export function programConfigValues(all: Readonly<Record<string, string>>): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const [fullKey, text] of Object.entries(all)) {
    if (!fullKey.startsWith(`${PROJECT}:`)) continue;
    const key = fullKey.slice(PROJECT.length + 1);
    if (SECRET_KEY_SET.has(key)) continue;
    values[key] = TEXT_KEYS.has(key) ? text : decode(text);
  }
  return values;
}

/** Booleans, numbers, maps and lists arrive as JSON text; anything else is a plain string. */
function decode(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
