// `npm run render [-- --stack NAME] [--out DIR]`: every artifact a stack would deploy, written to
// out/<stack>/ without the Pulumi engine or credentials; also refreshes the committed alerts/ and dashboards/.
import { basename, dirname, resolve } from "node:path";
import { formatErrors, loadStackFile } from "../../model/index";
import { committedArtifacts } from "../render/committed-artifacts";
import { staleArtifacts } from "../render/freshness";
import { stackArtifacts, stackBuildErrors } from "../../build/stack-artifacts";
import { renderSummary } from "../render/summary";
import { updateFiles, writeOutputDirectory } from "../render/write";
import { parseArgs } from "./args";
import { PROJECT_DIR } from "./project-dir";

const USAGE = `usage: npm run render -- [--stack NAME | --stack-file FILE] [--out DIR] [--check]
  --stack NAME        stack to render (Pulumi.NAME.yaml); default: example
  --stack-file FILE   a stack file elsewhere, named Pulumi.NAME.yaml
  --out DIR           output directory; default: out/NAME
  --check             write nothing; exit 1 if the committed alerts/ and dashboards/ are stale`;

function main(argv: readonly string[]): number {
  const args = parseArgs(argv, { values: ["stack", "stack-file", "out"], switches: ["check", "help"] });
  if (!args.ok) {
    console.error(`render: ${args.error}\n${USAGE}`);
    return 2;
  }
  if (args.switches.has("help")) {
    console.log(USAGE);
    return 0;
  }
  const projectDir = PROJECT_DIR;
  const committed = committedArtifacts();
  if (args.switches.has("check")) return check(projectDir, committed);

  const located = locateStack(projectDir, args.values);
  if ("error" in located) {
    console.error(`render: ${located.error}\n${USAGE}`);
    return 2;
  }
  const { stack, dir } = located;
  const loaded = loadStackFile(dir, stack);
  if (!loaded.ok) {
    console.error(formatErrors(loaded.file, loaded.errors));
    return 1;
  }
  const buildErrors = stackBuildErrors(loaded.inventory);
  if (buildErrors.length > 0) {
    console.error(formatErrors(loaded.file, buildErrors));
    return 1;
  }
  // Build everything in memory first: a builder that throws leaves the disk untouched.
  const artifacts = stackArtifacts(loaded.inventory);
  const outDir = args.values.out ?? `out/${stack}`;
  let output;
  try {
    output = writeOutputDirectory(outDir, artifacts);
  } catch (e) {
    console.error(`render: ${(e as Error).message}`);
    return 1;
  }
  const committedStatus = updateFiles(projectDir, committed);
  console.log(renderSummary(loaded.inventory, outDir, artifacts, committedStatus, output));
  return 0;
}

function locateStack(
  projectDir: string,
  values: Record<string, string>,
): { stack: string; dir: string } | { error: string } {
  const file = values["stack-file"];
  if (file === undefined) return { stack: values.stack ?? "example", dir: projectDir };
  if (values.stack !== undefined) return { error: "--stack and --stack-file exclude each other" };
  const m = /^Pulumi\.(.+)\.yaml$/.exec(basename(file));
  if (!m) return { error: `--stack-file ${file}: expected a file named Pulumi.<stack>.yaml` };
  return { stack: m[1], dir: dirname(resolve(file)) };
}

function check(projectDir: string, committed: ReturnType<typeof committedArtifacts>): number {
  const stale = staleArtifacts(projectDir, committed);
  if (stale.length === 0) {
    console.log(`committed artifacts are up to date (${committed.length} files)`);
    return 0;
  }
  console.error(`stale committed artifacts (run \`npm run render\` and commit): ${stale.join(", ")}`);
  return 1;
}

// The exit code is set, never process.exit(): a piped stdout is written asynchronously, and
// exiting at once would cut a large summary off at the pipe's buffer size.
process.exitCode = main(process.argv.slice(2));
