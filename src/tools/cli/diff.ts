// `npm run diff -- --base <git-ref> [--stack NAME …] [--format text|markdown|json] [--plan]`: what the
// working tree changes, against a git revision, in every stack's artifacts (and, with --plan, in
// its Pulumi plan). Exit 0 no change, 1 changes, 2 error. The user's checkout is never touched: the
// base is read from git into a temporary directory.
import { formatJson, formatMarkdown, formatText } from "../diff/format";
import { diffAgainstRevision, exitCode } from "../diff/report";
import { materializeRevision } from "../diff/revision";
import { runMain } from "./run-main";
import { PROJECT_DIR } from "./project-dir";

const USAGE = `usage: npm run diff -- --base GIT-REF [--stack NAME …] [--format text|markdown|json] [--plan]
  --base GIT-REF   the revision to compare the working tree with (e.g. origin/main, HEAD~1)
  --stack NAME     a stack to compare (repeatable); default: every Pulumi.<stack>.yaml on either side
  --format F       text (default), markdown (a pull-request comment, at most 65,536 characters), json
  --plan           also run both sides' Pulumi program under mocks and list the engine's steps
                   (create, update, replace, delete); seconds per stack and side
exit status: 0 no change, 1 changes, 2 error (bad revision, invalid config on either side)`;

const FORMATS = ["text", "markdown", "json"] as const;
type Format = (typeof FORMATS)[number];

interface DiffArgs {
  base: string;
  stacks?: string[];
  format: Format;
  plan: boolean;
}

/** Like src/tools/cli/args.ts, plus a repeatable --stack. */
export function parseDiffArgs(
  argv: readonly string[],
): { ok: true; args: DiffArgs } | { ok: false; error: string } | { ok: true; help: true } {
  let base: string | undefined;
  let format: Format = "text";
  let plan = false;
  const stacks: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.indexOf("=");
    const name = arg.startsWith("--") ? (eq === -1 ? arg.slice(2) : arg.slice(2, eq)) : undefined;
    const value = (): string | undefined => {
      const v = eq === -1 ? argv[++i] : arg.slice(eq + 1);
      return v === undefined || v === "" || (eq === -1 && v.startsWith("--")) ? undefined : v;
    };
    switch (name) {
      case "help":
        return { ok: true, help: true };
      case "plan":
        if (eq !== -1) return { ok: false, error: "--plan takes no value" };
        plan = true;
        break;
      case "base":
      case "stack":
      case "format": {
        const v = value();
        if (v === undefined) return { ok: false, error: `--${name} needs a value` };
        if (name === "base") base = v;
        else if (name === "stack") stacks.push(v);
        else if ((FORMATS as readonly string[]).includes(v)) format = v as Format;
        else return { ok: false, error: `--format ${v}: expected one of ${FORMATS.join(", ")}` };
        break;
      }
      case undefined:
        return { ok: false, error: `unexpected argument ${JSON.stringify(arg)} (flags start with --)` };
      default:
        return { ok: false, error: `unknown flag --${name} (known: --base, --stack, --format, --plan)` };
    }
  }
  if (base === undefined) return { ok: false, error: "--base is required" };
  const bad = stacks.find((s) => !/^[A-Za-z0-9_.-]+$/.test(s));
  if (bad !== undefined)
    return {
      ok: false,
      error: `--stack ${JSON.stringify(bad)}: expected a stack name of letters, digits, '_', '.', '-'`,
    };
  return { ok: true, args: { base, format, plan, ...(stacks.length ? { stacks: [...new Set(stacks)] } : {}) } };
}

async function main(argv: readonly string[]): Promise<number> {
  const parsed = parseDiffArgs(argv);
  if (!parsed.ok) {
    console.error(`diff: ${parsed.error}\n${USAGE}`);
    return 2;
  }
  if ("help" in parsed) {
    console.log(USAGE);
    return 0;
  }
  const { args } = parsed;
  const projectDir = PROJECT_DIR;
  const base = materializeRevision(projectDir, args.base);
  if (!base.ok) {
    console.error(`diff: ${base.error}`);
    return 2;
  }
  try {
    const report = await diffAgainstRevision(projectDir, base.revision, { stacks: args.stacks, plan: args.plan });
    const text =
      args.format === "json"
        ? formatJson(report)
        : args.format === "markdown"
          ? formatMarkdown(report)
          : formatText(report);
    console.log(text);
    // Errors also go to stderr, so a job that only shows stderr still names the side, stack and key.
    for (const e of report.errors)
      for (const x of e.errors) console.error(`diff: ${e.side}: stack ${e.stack} (${e.file}): ${x.path}: ${x.message}`);
    return exitCode(report);
  } finally {
    base.revision.remove();
  }
}

if (require.main === module) runMain("diff", main, 2);
