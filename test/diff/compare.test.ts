// What counts as a changed file in a diff: its bytes, or where and how it lands on a machine.
import { describe, expect, it } from "vitest";
import type { Artifact } from "../../src/build/artifact";
import { diffArtifacts } from "../../src/tools/diff/compare";

const unit: Artifact = {
  path: "hosts/vpn-1/wireguard-exporter.service",
  content: "[Unit]\n",
  kind: "systemd",
  host: "vpn-1",
  placement: { target: "/etc/systemd/system/wireguard-exporter.service", mode: "0644", group: "root", restarts: true },
};

describe("diffArtifacts", () => {
  it("does not count how a component handles a file (service order, checks) as a change of the file", () => {
    const after: Artifact = { ...unit, placement: { ...unit.placement!, service: "main" } };
    const d = diffArtifacts([unit], [after]);
    expect(d.artifacts).toEqual([]);
    expect(d.hosts).toEqual([]);
  });

  it("counts another target, mode or group as a change, and a change of a restarting file as a restart", () => {
    for (const placement of [
      { target: "/etc/systemd/system/other.service" },
      { mode: "0640" as const },
      { group: "wireguard" },
    ]) {
      const d = diffArtifacts([unit], [{ ...unit, placement: { ...unit.placement!, ...placement } }]);
      expect(d.artifacts).toEqual([{ path: unit.path, change: "changed", kind: "systemd" }]);
      expect(d.hosts[0]).toMatchObject({ host: "vpn-1", restartsExporter: true });
    }
  });
});
