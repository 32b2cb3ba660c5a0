// The live-Prometheus harness itself: starts, scrapes, evaluates rules, reloads, cleans up.
import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPrometheus, type RunningPrometheus } from "../harness/prometheus";

describe("startPrometheus", () => {
  let p: RunningPrometheus;
  beforeAll(async () => {
    p = await startPrometheus({
      configYaml: (_dir, port) =>
        `scrape_configs:\n  - job_name: self\n    static_configs: [{ targets: ["127.0.0.1:${port}"] }]\n`,
      rulesFiles: {
        "always.yml":
          "groups:\n  - name: t\n    rules:\n      - alert: Always\n" +
          "        expr: vector(1)\n        labels: { severity: info }\n",
      },
    });
  });
  afterAll(async () => p?.stop());

  it("serves the HTTP API, evaluates the given rules and reloads on request", async () => {
    expect(p.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const [one] = await p.query("1 + 1");
    expect(one.value).toBe(2);
    const alert = await p.waitFor(
      async () => (await p.alerts()).find((a) => a.labels.alertname === "Always" && a.state === "firing"),
      { what: "Always firing", timeoutMs: 20_000 },
    );
    expect(alert.labels.severity).toBe("info");
    const up = await p.waitFor(async () => (await p.query('up{job="self"} == 1'))[0], { what: "self-scrape up" });
    expect(up.metric.instance).toBe(`127.0.0.1:${p.port}`);
    expect((await p.targets()).map((t) => [t.scrapePool, t.health])).toEqual([["self", "up"]]);
    await p.reload();
  });

  it("removes its temp dir on stop and tolerates a second stop", async () => {
    const q = await startPrometheus({ configYaml: "scrape_configs: []\n" });
    expect(existsSync(q.dir)).toBe(true);
    await q.stop();
    await q.stop();
    expect(existsSync(q.dir)).toBe(false);
  });
});
