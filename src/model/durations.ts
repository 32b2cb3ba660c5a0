// Durations in the stack config use the exporter's grammar (src/contract/duration.ts), so a value
// rendered into an exporter flag is one the exporter accepts. Keys Prometheus reads must in
// addition be durations Prometheus parses.
import {
  DURATION_UNITS,
  durationParts,
  parseDuration,
  parseDurationFlag,
  type DurationFlag,
  type DurationUnit,
} from "../contract/duration";

export type { DurationFlag };

const got = (text: string) => `got ${JSON.stringify(text)}`;

/** What is wrong with `text` as a duration, or undefined. */
export function durationProblem(text: string): string | undefined {
  const ms = parseDuration(text);
  if (ms instanceof Error || !Number.isFinite(ms))
    return `expected a duration such as "30s", "5m", "1h30m" or "1d", ${got(text)}`;
  if (ms <= 0) return `must be longer than zero, ${got(text)}`;
  return undefined;
}

/** What is wrong with `text` as a duration Prometheus reads from its config file, or undefined. */
export function prometheusDurationProblem(text: string): string | undefined {
  return (
    durationProblem(text) ??
    (isPrometheusDuration(text)
      ? undefined
      : `expected a duration Prometheus accepts: whole numbers, units d, ` +
        `h, m, s, ms from largest to smallest (e.g. "1m30s"), ${got(text)}`)
  );
}

/** What is wrong with `text` as the value of the exporter's `--<flag>` — exactly what its flag parser refuses. */
export function durationFlagProblem(flag: DurationFlag, text: string): string | undefined {
  const ms = parseDurationFlag(flag, text);
  if (!(ms instanceof Error)) return undefined;
  return durationProblem(text) ?? `${ms.message} (the exporter's --${flag}), ${got(text)}`;
}

// Prometheus reads the durations of prometheus.yml with prometheus/common's model.ParseDuration and
// refuses the whole file (on reload, the running config stays) when one does not parse: whole
// numbers, a unit on every part, units from largest to smallest and each at most once, at most
// 2^63-1 ns, nothing around them. Its units y and w are left out: the shared grammar has none.
const SECOND_NS = 1_000_000_000n;
const UNIT_NS: Record<DurationUnit, bigint> = {
  d: 86_400n * SECOND_NS,
  h: 3_600n * SECOND_NS,
  m: 60n * SECOND_NS,
  s: SECOND_NS,
  ms: SECOND_NS / 1000n,
};
const MAX_NS = 2n ** 63n - 1n;

/** Whether `text` is a duration of the shared grammar in the narrower form Prometheus parses. */
export function isPrometheusDuration(text: string): boolean {
  const parts = durationParts(text);
  if (parts === undefined) return false;
  let ns = 0n;
  let previous = -1;
  for (const { amount, unit } of parts) {
    const rank = unit === null ? -1 : DURATION_UNITS.indexOf(unit);
    if (rank <= previous || !/^\d+$/.test(amount)) return false;
    previous = rank;
    ns += BigInt(amount) * UNIT_NS[unit!];
  }
  return ns <= MAX_NS;
}

/** Seconds in a duration; NaN when the text is not one. */
export function durationSeconds(text: string): number {
  const ms = parseDuration(text);
  return ms instanceof Error ? Number.NaN : ms / 1000;
}
