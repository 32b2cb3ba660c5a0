// Durations in the stack config use the exporter's grammar (src/contract/duration.ts), so a value
// rendered into an exporter flag is one the exporter accepts. Keys Prometheus reads must in
// addition be durations Prometheus parses.
import { parseDuration, parseDurationFlag, type DurationFlag } from "../contract/duration";

export type { DurationFlag };

const got = (text: string) => `got ${JSON.stringify(text)}`;

/** A positive duration in the shared grammar. */
export function isDuration(text: string): boolean {
  return durationProblem(text) === undefined;
}

/** What is wrong with `text` as a duration, or undefined. */
export function durationProblem(text: string): string | undefined {
  const ms = parseDuration(text);
  if (ms instanceof Error || !Number.isFinite(ms)) return `expected a duration such as "30s", "5m", "1h30m" or "1d", ${got(text)}`;
  if (ms <= 0) return `must be longer than zero, ${got(text)}`;
  return undefined;
}

/** What is wrong with `text` as a duration Prometheus reads from its config file, or undefined. */
export function prometheusDurationProblem(text: string): string | undefined {
  return (
    durationProblem(text) ??
    (isPrometheusDuration(text)
      ? undefined
      : `expected a duration Prometheus accepts: whole numbers, units d, h, m, s, ms from largest to smallest (e.g. "1m30s"), ${got(text)}`)
  );
}

/** What is wrong with `text` as the value of the exporter's `--<flag>` — exactly what its flag parser refuses. */
export function durationFlagProblem(flag: DurationFlag, text: string): string | undefined {
  const ms = parseDurationFlag(flag, text);
  if (!(ms instanceof Error)) return undefined;
  return durationProblem(text) ?? `${ms.message} (the exporter's --${flag}), ${got(text)}`;
}

// prometheus/common model/time.go ParseDuration (what prometheus.yml's durations go through):
// whole numbers, units from largest to smallest, each at most once, at most 2^63-1 ns. Its units
// y and w are left out because the shared grammar has no such units.
const PROMETHEUS_DURATION = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;
const PROMETHEUS_UNIT_NS = [86_400n, 3_600n, 60n, 1n].map((s) => s * 1_000_000_000n).concat([1_000_000n]);
const MAX_NS = 2n ** 63n - 1n;

export function isPrometheusDuration(text: string): boolean {
  const m = PROMETHEUS_DURATION.exec(text);
  if (!m || text === "") return false;
  const ns = m.slice(1).reduce((sum, v, i) => sum + (v ? BigInt(v) * PROMETHEUS_UNIT_NS[i]! : 0n), 0n);
  return ns <= MAX_NS;
}

/** Seconds in a duration; NaN when the text is not one. */
export function durationSeconds(text: string): number {
  const ms = parseDuration(text);
  return ms instanceof Error ? Number.NaN : ms / 1000;
}
