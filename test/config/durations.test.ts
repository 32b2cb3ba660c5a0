// One duration grammar for the stack config and the exporter: what the config renders into an
// exporter flag, the exporter's own flag parser accepts; what it would refuse, the config refuses.
import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseDuration } from "../../src/contract/duration";
import { parseFlags } from "../../exporter/src/flags";
import { loadStackFile, validateStackConfig, type Inventory } from "../../src/model/index";
import { durationFlagProblem, durationSeconds, isPrometheusDuration } from "../../src/model/durations";
import { stackArtifacts } from "../../src/build/stack-artifacts";
import { EXPORTER_NODE_FLAGS } from "../../src/build/hosts/systemd-unit";
import { REPO } from "../helpers/run";

const P = "wireguard-monitoring:";
const HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIC5T7KVG0Jx6Chq6Q/n3wk+i3HXNcS4lpuw+hW1BxRka";
const stacks = readdirSync(REPO)
  .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
  .filter((s): s is string => s !== undefined);

/** A small valid stack with `edit` merged into its top-level keys. */
function validate(edit: Record<string, unknown>) {
  return validateStackConfig(
    {
      hosts: [{ name: "vpn-a", address: "203.0.113.10", ssh: { hostKey: HOST_KEY } }],
      prometheus: { ssh: { hostKey: HOST_KEY } },
      ...edit,
    },
    "test",
  );
}

/**
 * Splits an ExecStart= line as systemd does for the quoting
 * systemd-unit.ts writes (double quotes, \\ escapes, %% and $$).
 */
function execStartArgs(unit: string): string[] {
  const line = unit.split("\n").find((l) => l.startsWith("ExecStart="));
  if (!line) throw new Error("no ExecStart= line");
  const args: string[] = [];
  const word = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (const m of line.slice("ExecStart=".length).matchAll(word)) {
    const raw = m[1] !== undefined ? m[1].replace(/\\(.)/g, "$1") : m[2]!;
    args.push(raw.replace(/%%/g, "%").replace(/\$\$/g, "$"));
  }
  return args;
}

/** The exporter flags of every wireguard-exporter.service a stack renders. */
function renderedExporterFlags(inventory: Inventory): Array<{ path: string; flags: string[] }> {
  return (
    stackArtifacts(inventory)
      .filter((a) => a.path.endsWith("/wireguard-exporter.service"))
      // after node, its flags and the bundle
      .map((a) => ({ path: a.path, flags: execStartArgs(a.content).slice(2 + EXPORTER_NODE_FLAGS.length) }))
  );
}

describe("the shared grammar", () => {
  it.each([
    ["1d", 86_400_000],
    ["1d12h", 129_600_000],
    ["1h30m", 5_400_000],
    ["90s", 90_000],
    ["500ms", 500],
    ["1m30s", 90_000],
    ["1.5h", 5_400_000],
    ["180", 180_000],
  ])("%s is %d ms for the exporter and for the config", (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
    expect(durationSeconds(text)).toBe(ms / 1000);
  });

  it.each(["30 seconds", "1w", "1y", "3M", "", "-1s", "1e3s", "1.5.5s", "s", "5 m"])("%j is not a duration", (text) => {
    expect(parseDuration(text)).toBeInstanceOf(Error);
    expect(Number.isNaN(durationSeconds(text))).toBe(true);
  });

  it("Prometheus durations are the whole-number forms with units from largest to smallest", () => {
    for (const ok of ["1d", "1h30m", "90s", "500ms", "1d2h3m4s5ms"]) expect(isPrometheusDuration(ok), ok).toBe(true);
    for (const no of ["180", "1.5h", "30s1m", "1m1m", " 30s", "", "106751d23h47m16s855ms"])
      expect(isPrometheusDuration(no), no).toBe(false);
  });
});

describe("config keys that become exporter flags", () => {
  // Values around every edge of the grammar and the flags' limits.
  const corpus = [
    "3m",
    "1d",
    "1h30m",
    "500ms",
    "1.5m",
    "180",
    "0.5",
    " 3m",
    "3m ",
    "0",
    "0s",
    "0ms",
    "",
    "  ",
    "often",
    "1w",
    "-1s",
    "1e3s",
    "24d",
    "24d20h31m23s647ms",
    "24d20h31m23s648ms",
    "25d",
    "2147483647ms",
    "2147483648ms",
    "9".repeat(400) + "h",
    "1s1s",
    "30s1m",
  ];
  const flagsFor = { "wireguard.connected-threshold": "connected", "collector.timeout": "collectorTimeout" } as const;

  it.each(Object.keys(flagsFor) as Array<keyof typeof flagsFor>)(
    "--%s: the config refuses exactly what the exporter refuses",
    (flag) => {
      for (const text of corpus) {
        const exporter = parseFlags([`--${flag}=${text}`]);
        const config = durationFlagProblem(flag, text);
        expect(
          config === undefined,
          `${JSON.stringify(text)}: config says ${config}, exporter says ${JSON.stringify(exporter)}`,
        ).toBe(exporter.kind === "run");
      }
    },
  );

  it("every committed stack renders exporter units whose flags the exporter accepts", () => {
    expect(stacks).toEqual(expect.arrayContaining(["example", "prod"]));
    for (const stack of stacks) {
      const r = loadStackFile(REPO, stack);
      if (!r.ok) throw new Error(`${stack}: ${JSON.stringify(r.errors)}`);
      const units = renderedExporterFlags(r.inventory);
      expect(units.length, stack).toBe(r.inventory.hosts.length);
      for (const { path, flags } of units) {
        const parsed = parseFlags(flags);
        expect(parsed, `${stack} ${path}: ${flags.join(" ")}`).toMatchObject({ kind: "run" });
        if (parsed.kind !== "run") continue;
        expect(parsed.config.connectedThresholdMs).toBe(durationSeconds(r.inventory.thresholds.connected) * 1000);
        expect(parsed.config.collectorTimeoutMs).toBe(durationSeconds(r.inventory.exporter.collectorTimeout) * 1000);
      }
    }
  });

  it("thresholds.connected: 1d is accepted, rendered as --wireguard.connected-threshold=1d, parsed as one day", () => {
    const r = validate({ thresholds: { connected: "1d" } });
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    const [unit] = renderedExporterFlags(r.inventory);
    expect(unit!.flags).toContain("--wireguard.connected-threshold=1d");
    expect(parseFlags(unit!.flags)).toMatchObject({ kind: "run", config: { connectedThresholdMs: 86_400_000 } });
  });

  it("exporter.collectorTimeout beyond what a timer can wait is refused by both, naming the key and the flag", () => {
    const r = validate({ exporter: { collectorTimeout: "25d" } });
    expect(r.ok ? [] : r.errors).toEqual([
      {
        path: `${P}exporter.collectorTimeout`,
        message: `must be at most 2147483647ms (the exporter's --collector.timeout), got "25d"`,
      },
    ]);
    expect(parseFlags(["--collector.timeout=25d"])).toEqual({
      kind: "error",
      message: "--collector.timeout: must be at most 2147483647ms",
    });
  });

  it("a zero or malformed threshold is refused with the key path", () => {
    const r = validate({ thresholds: { connected: "0s", staleHandshake: "5 minutes" } });
    expect(r.ok ? [] : r.errors).toEqual([
      {
        path: `${P}thresholds.staleHandshake`,
        message: `expected a duration such as "30s", "5m", "1h30m" or "1d", got "5 minutes"`,
      },
      { path: `${P}thresholds.connected`, message: `must be longer than zero, got "0s"` },
    ]);
  });
});

describe("config keys Prometheus reads", () => {
  it("accept Prometheus durations such as 1m30s and 1d", () => {
    expect(
      validate({
        prometheus: {
          ssh: { hostKey: HOST_KEY },
          scrapeInterval: "1m30s",
          scrapeTimeout: "45s",
          evaluationInterval: "1d",
        },
      }).ok,
    ).toBe(true);
  });

  it.each(["90", "1.5m", "30s1m"])("refuse %j, which the shared grammar reads but Prometheus does not", (text) => {
    const r = validate({ prometheus: { ssh: { hostKey: HOST_KEY }, scrapeInterval: text } });
    expect(r.ok ? [] : r.errors).toEqual([
      {
        path: `${P}prometheus.scrapeInterval`,
        message:
          `expected a duration Prometheus accepts: whole numbers, units d, h, m, s, ` +
          `ms from largest to smallest (e.g. "1m30s"), got ${JSON.stringify(text)}`,
      },
    ]);
  });
});
