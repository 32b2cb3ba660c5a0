// `npm run preview [-- --stack NAME] [--json]`: runs index.ts under Pulumi's mock runtime and prints
// the resource plan — what `pulumi up` would create — for people without the CLI or credentials.
import { resolve } from "node:path";
import { formatErrors, loadStackFile, SECRET_KEYS } from "../../model/index";
import { capturePlan } from "../plan/capture";
import { formatPlan, redactPlan } from "../plan/format";
import { revealsStandIn } from "../plan/secret-guard";
import { stackBuildErrors } from "../../build/stack-artifacts";
import { parseArgs } from "./args";
import { runMain } from "./run-main";
import { PROJECT_DIR } from "./project-dir";

const USAGE = `usage: npm run preview -- [--stack NAME] [--json]
  --stack NAME   stack to plan (Pulumi.NAME.yaml); default: example
  --json         print the plan as JSON (secrets still shown as [secret])`;

/** Secrets are never read from stack files here; the program sees stand-ins, marked secret. */
const STAND_IN = "preview-stand-in-not-a-real-secret";

async function main(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, { values: ["stack"], switches: ["json", "help"] });
  if (!args.ok) {
    console.error(`preview: ${args.error}\n${USAGE}`);
    return 2;
  }
  if (args.switches.has("help")) {
    console.log(USAGE);
    return 0;
  }
  const projectDir = PROJECT_DIR;
  const stack = args.values.stack ?? "example";
  const loaded = loadStackFile(projectDir, stack);
  if (!loaded.ok) {
    console.error(formatErrors(loaded.file, loaded.errors));
    return 1;
  }
  const buildErrors = stackBuildErrors(loaded.inventory);
  if (buildErrors.length > 0) {
    console.error(formatErrors(loaded.file, buildErrors));
    return 1;
  }
  const secrets = Object.fromEntries(SECRET_KEYS.map((k) => [k, STAND_IN]));
  const plan = redactPlan(
    await capturePlan({ stack, config: loaded.values, secrets, program: resolve(projectDir, "index.ts") }),
  );
  const text = args.switches.has("json") ? JSON.stringify(plan, null, 2) : formatPlan(plan);
  if (revealsStandIn(text, STAND_IN)) {
    // A secret lost its secret marking on the way into a resource (maybe encoded): refuse to print it.
    console.error(
      "preview: a secret value reached a resource input without being marked secret; not printing the plan",
    );
    return 1;
  }
  console.log(text);
  return 0;
}

runMain("preview", main, 1);
