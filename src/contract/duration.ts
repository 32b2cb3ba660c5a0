// Durations: the one grammar of the exporter's flags and of the stack config, which imports this
// module to refuse what these flags would refuse — so it stays pure (no I/O, only its own files).
// A duration is one or more <amount><unit> with unit d, h, m, s or ms ("1d", "1h30m", "90s",
// "500ms"); an amount may have decimals ("1.5h") and a bare number means seconds ("180").
import { EXPORTER_FLAGS } from "./exporter-flags";

export type DurationUnit = "d" | "h" | "m" | "s" | "ms";
/** Largest first. */
export const DURATION_UNITS: readonly DurationUnit[] = ["d", "h", "m", "s", "ms"];
const UNIT_MS: Record<DurationUnit, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** What error messages suggest. */
const DURATION_EXAMPLES = "180s, 3m, 1m30s, 1d, 500ms or plain seconds";

/** One <amount><unit> of a duration as written; a bare number is one part without a unit (seconds). */
export interface DurationPart {
  amount: string;
  unit: DurationUnit | null;
}

/** The parts of `text` in the order written (nothing trimmed), or undefined when it is not a duration. */
export function durationParts(text: string): DurationPart[] | undefined {
  if (/^\d+(\.\d+)?$/.test(text)) return [{ amount: text, unit: null }];
  const part = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/y;
  const parts: DurationPart[] = [];
  let pos = 0;
  while (pos < text.length) {
    part.lastIndex = pos;
    const m = part.exec(text);
    if (!m) return undefined;
    parts.push({ amount: m[1]!, unit: m[2] as DurationUnit });
    pos = part.lastIndex;
  }
  return parts.length > 0 ? parts : undefined;
}

/** Milliseconds, or an error message. */
export function parseDuration(text: string): number | Error {
  const s = text.trim();
  if (s.length === 0) return new Error("empty duration");
  const parts = durationParts(s);
  if (parts === undefined) return new Error(`invalid duration "${text}" (use e.g. ${DURATION_EXAMPLES})`);
  let total = 0;
  for (const { amount, unit } of parts) total += Number(amount) * (unit === null ? 1000 : UNIT_MS[unit]);
  return total;
}

/** Node.js timers wait at most this long; a longer delay fires after 1 ms instead. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** The exporter's duration flags and the longest value each takes (the wg call is killed by a timer). */
const DURATION_FLAGS = {
  [EXPORTER_FLAGS.connectedThreshold]: { maxMs: Number.POSITIVE_INFINITY },
  [EXPORTER_FLAGS.collectorTimeout]: { maxMs: MAX_TIMER_MS },
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
