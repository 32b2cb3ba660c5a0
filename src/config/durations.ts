// Prometheus-style durations ("30s", "5m", "1h30m") are what users already write in
// prometheus.yml, so the stack config uses them too; builders convert where they need numbers.

const DURATION = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;

export function isDuration(text: string): boolean {
  return text !== "" && DURATION.test(text) && durationSeconds(text) > 0;
}

/** Seconds in a Prometheus duration; NaN when the text is not one. */
export function durationSeconds(text: string): number {
  const m = DURATION.exec(text);
  if (!m || text === "") return Number.NaN;
  const [d, h, min, s, ms] = m.slice(1).map((v) => (v ? Number(v) : 0));
  return d * 86400 + h * 3600 + min * 60 + s + ms / 1000;
}
