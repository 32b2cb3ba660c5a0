// Durations: the one grammar of the exporter's flags and of the stack config, which imports this
// module to refuse what these flags would refuse — so it stays pure (no imports, no I/O).
// A duration is one or more <amount><unit> with unit d, h, m, s or ms ("1d", "1h30m", "90s",
// "500ms"); an amount may have decimals ("1.5h") and a bare number means seconds ("180").

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** What error messages suggest. */
export const DURATION_EXAMPLES = "180s, 3m, 1m30s, 1d, 500ms or plain seconds";

/** Milliseconds, or an error message. */
export function parseDuration(text: string): number | Error {
  const s = text.trim();
  if (s.length === 0) return new Error("empty duration");
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s) * 1000;
  const part = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/y;
  let total = 0;
  let pos = 0;
  while (pos < s.length) {
    part.lastIndex = pos;
    const m = part.exec(s);
    if (!m) return new Error(`invalid duration "${text}" (use e.g. ${DURATION_EXAMPLES})`);
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
    pos = part.lastIndex;
  }
  return total;
}

/** Node.js timers wait at most this long; a longer delay fires after 1 ms instead. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** The exporter's duration flags and the longest value each takes (the wg call is killed by a timer). */
export const DURATION_FLAGS = {
  "wireguard.connected-threshold": { maxMs: Number.POSITIVE_INFINITY },
  "collector.timeout": { maxMs: MAX_TIMER_MS },
} as const;
export type DurationFlag = keyof typeof DURATION_FLAGS;

/**
 * A duration flag's value in milliseconds: the grammar, more than zero, at most the flag's limit.
 * The stack config checks the values it renders into these flags with this same function.
 */
export function parseDurationFlag(flag: DurationFlag, text: string): number | Error {
  const ms = parseDuration(text);
  if (ms instanceof Error) return ms;
  if (!Number.isFinite(ms)) return new Error(`invalid duration "${text}" (out of range)`);
  if (ms <= 0) return new Error("must be positive");
  const { maxMs } = DURATION_FLAGS[flag];
  if (ms > maxMs) return new Error(`must be at most ${formatDuration(maxMs)}`);
  return ms;
}

export function formatDuration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}
