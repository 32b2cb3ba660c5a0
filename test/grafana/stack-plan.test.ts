// The Pulumi program under mocks, for each committed stack: Grafana gets the stack's own folder and
// its dashboards under the environment's uids, created with overwrite=false so that a create
// never takes over a dashboard another stack (or a person) owns.
import { beforeAll, describe, expect, it } from "vitest";
import { loadStackFile, type Inventory } from "../../src/model/index";
import { DASHBOARD_NAMES, stackFolder } from "../../src/build/grafana/stack-names";
import type { CapturedPlan, PlannedResource } from "../../src/tools/plan/capture";
import { capturePlanInChild, committedStackConfig } from "../harness/plan";
import { REPO } from "../helpers/run";

const STACKS = ["example", "prod"];
const STAND_INS = {
  sshPrivateKey: "stand-in-ssh-key",
  grafanaAuth: "stand-in-grafana-token",
  exporterBasicAuthPassword: "stand-in-password",
};

const plans = new Map<string, { plan: CapturedPlan; inventory: Inventory }>();

beforeAll(async () => {
  await Promise.all(
    STACKS.map(async (stack) => {
      const loaded = loadStackFile(REPO, stack);
      if (!loaded.ok) throw new Error(`Pulumi.${stack}.yaml does not validate`);
      // Loaded with type checking, as `pulumi up` loads the program.
      const plan = await capturePlanInChild({ stack, config: committedStackConfig(stack), secrets: STAND_INS }, true);
      plans.set(stack, { plan, inventory: loaded.inventory });
    }),
  );
}, 240_000);

const ofType = (plan: CapturedPlan, type: string): PlannedResource[] => plan.resources.filter((r) => r.type === type);
const dashboardUid = (r: PlannedResource) => (JSON.parse(r.inputs.configJson as string) as { uid: string }).uid;

describe.each(STACKS)("the %s stack's plan", (stack) => {
  const get = () => plans.get(stack)!;

  it("declares the dashboards under the environment's uids, in the stack's folder, with overwrite=false", () => {
    const { plan, inventory } = get();
    const dashboards = ofType(plan, "grafana:oss/dashboard:Dashboard");
    const folder = stackFolder(inventory);
    expect(dashboards.map(dashboardUid).sort()).toEqual(
      Object.values(DASHBOARD_NAMES).map((n) => `${n}-${inventory.environment}`),
    );
    for (const d of dashboards) {
      expect(d.name).toBe(`grafana-${dashboardUid(d)}`);
      expect(d.inputs.overwrite).toBe(false);
      expect(d.inputs.folder).toBe(folder.uid);
    }
  });

  it("declares the stack's own folder, which is not deleted while it holds something else", () => {
    const { plan, inventory } = get();
    const [folder] = ofType(plan, "grafana:oss/folder:Folder");
    expect(folder.inputs).toMatchObject({ ...stackFolder(inventory), preventDestroyIfNotEmpty: true });
  });
});

it("the two stacks' Grafana resources share no uid", () => {
  const uids = (stack: string) => {
    const { plan } = plans.get(stack)!;
    return [
      ...ofType(plan, "grafana:oss/dashboard:Dashboard").map(dashboardUid),
      ...ofType(plan, "grafana:oss/folder:Folder").map((f) => f.inputs.uid as string),
    ];
  };
  const [a, b] = STACKS.map(uids);
  expect(a).toHaveLength(3);
  for (const uid of a) expect(b).not.toContain(uid);
});
