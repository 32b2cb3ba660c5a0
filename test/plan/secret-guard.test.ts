// The preview refuses to print a plan that shows a stand-in secret in any common encoding: as it is,
// in upper or lower case, as hex, or inside base64 / base64url data (at any alignment, across lines).
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { revealsStandIn } from "../../src/tools/plan/secret-guard";
import { filesOnStdin } from "../../src/deploy/stdin-files";

const STAND_IN = "preview-stand-in-not-a-real-secret";

/** A plan as `preview --json` prints it, with one input holding `value`. */
const planWith = (value: string) =>
  JSON.stringify(
    { stack: "example", resources: [{ name: "vpn-a-exporter", inputs: { stdin: value, create: "…" } }] },
    null,
    2,
  );

describe("the preview's secret guard", () => {
  it.each([
    ["as it is", STAND_IN],
    ["in upper case", STAND_IN.toUpperCase()],
    ["in mixed case", "Preview-Stand-In-Not-A-Real-Secret"],
    ["as lower-case hex", Buffer.from(STAND_IN).toString("hex")],
    ["as upper-case hex", Buffer.from(STAND_IN).toString("hex").toUpperCase()],
    ["as base64", Buffer.from(STAND_IN).toString("base64")],
    ["as base64url without padding", Buffer.from(`${STAND_IN}?>`).toString("base64url")],
    ["as base64 of the upper-case stand-in", Buffer.from(STAND_IN.toUpperCase()).toString("base64")],
    ["as base64 after one other byte", Buffer.from(`x${STAND_IN}`).toString("base64")],
    ["as base64 after two other bytes", Buffer.from(`xy${STAND_IN}\n`).toString("base64")],
    ["in a basic-auth header", `Basic ${Buffer.from(`prometheus:${STAND_IN}`).toString("base64")}`],
  ])("finds the stand-in %s", (_how, shown) => {
    expect(revealsStandIn(planWith(`before ${shown} after`), STAND_IN)).toBe(true);
  });

  it.each([0, 1, 2, 3, 50, 51, 52])(
    "finds it in a file on an install step's stdin that lost its secret marking (%i bytes before it)",
    (before) => {
      const stdin = filesOnStdin([
        { name: "peers.yml", content: "p".repeat(before) },
        { name: "health-password", content: `${STAND_IN}\n` },
      ]);
      // base64 broken into 76-character lines, printed as JSON (\n) and as text
      expect(revealsStandIn(planWith(stdin), STAND_IN)).toBe(true);
      expect(revealsStandIn(stdin, STAND_IN)).toBe(true);
    },
  );

  it("passes plans that hold only [secret] and unrelated data", () => {
    const stdin = filesOnStdin([
      { name: "peers.yml", content: "peers: []\n" },
      { name: "web-config.yml", content: "{}\n" },
    ]);
    expect(revealsStandIn(planWith(stdin), STAND_IN)).toBe(false);
    expect(revealsStandIn(planWith("[secret]"), STAND_IN)).toBe(false);
    // a digest of the stand-in is not the stand-in: nothing can be read back from it
    expect(revealsStandIn(planWith(createHash("sha256").update(STAND_IN).digest("hex")), STAND_IN)).toBe(false);
  });
});
