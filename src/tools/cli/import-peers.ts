// `npm run import-peers -- <wg-quick config | wg show dump output | -> [--interface NAME] [--host NAME]`:
// peers YAML for a stack, from the public half of an existing setup. Private and preshared keys are
// never printed nor stored; stderr says how many were skipped.
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { isWireGuardKey } from "../../contract/wireguard-key";
import { peersYaml, placeholderName } from "../import-peers/format";
import { parsePeersInput, type ImportedPeer } from "../import-peers/parse";

const USAGE = [
  "usage: npm run import-peers -- FILE [--interface NAME] [--host NAME]",
  "  FILE              a wg-quick config (/etc/wireguard/wg0.conf) or saved `wg show all dump` / `wg show wg0 dump` " +
    "output; - reads stdin",
  "  --interface NAME  interface of peers the input does not name one for (default: FILE's name for NAME.conf)",
  "  --host NAME       the stack host the peers are on",
  "prints a stack's peers list as YAML on stdout; exit 0, or 1 when the input has problems, 2 on a usage error",
].join("\n");

function main(argv: readonly string[]): number {
  let file: string | undefined;
  const values: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--help") {
      console.log(USAGE);
      return 0;
    }
    const m = /^--(interface|host)(?:=(.*))?$/.exec(arg);
    if (m) {
      const v = m[2] ?? argv[++i];
      if (v === undefined || v === "") return usage(`--${m[1]} needs a value`);
      values[m[1]] = v;
    } else if (arg.startsWith("--")) {
      return usage(`unknown flag ${arg} (known: --interface, --host)`);
    } else if (file === undefined) {
      file = arg;
    } else {
      return usage(`one input file only, got ${JSON.stringify(file)} and ${JSON.stringify(arg)}`);
    }
  }
  if (file === undefined) return usage("an input file is required (- for stdin)");
  let text: string;
  try {
    text = readFileSync(file === "-" ? 0 : file, "utf8");
  } catch (e) {
    console.error(
      `import-peers: ${file}: ` +
        ((e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message),
    );
    return 1;
  }
  const source = file === "-" ? "stdin" : basename(file);
  const fromName = /^(.+)\.conf$/.exec(source)?.[1];
  const defaultInterface = values.interface ?? fromName;
  const result = parsePeersInput(text);
  const { peers, duplicates } = withoutDuplicates(result.peers);

  const notes: string[] = [];
  if (result.skipped.privateKeys > 0)
    notes.push(
      `skipped ${result.skipped.privateKeys} private ` +
        `key${result.skipped.privateKeys === 1 ? "" : "s"} (never imported)`,
    );
  if (result.skipped.presharedKeys > 0)
    notes.push(
      `skipped ${result.skipped.presharedKeys} preshared ` +
        `key${result.skipped.presharedKeys === 1 ? "" : "s"} (never imported)`,
    );
  const unnamed = peers.filter((p) => p.friendlyName === undefined);
  if (unnamed.length > 0)
    notes.push(
      `${unnamed.length} peer${unnamed.length === 1 ? " has" : "s have"} no name comment ` +
        `(# Name = …); named ${placeholderName(unnamed[0].publicKey)} and so on: rename them`,
    );
  for (const d of duplicates) notes.push(`public key ${d} appears more than once; kept the first`);
  for (const n of notes) console.error(`import-peers: ${n}`);
  for (const e of result.errors) console.error(`import-peers: ${source}: ${e}`);

  process.stdout.write(
    peersYaml(peers, { source, defaultInterface, ...(values.host !== undefined ? { host: values.host } : {}) }),
  );
  if (peers.length === 0 && result.errors.length === 0)
    console.error(`import-peers: ${source}: no peers found (expected [Peer] sections or \`wg show dump\` lines)`);
  return result.errors.length > 0 || peers.length === 0 ? 1 : 0;
}

/** A stack's peers list refuses a repeated public key; keep the first. */
function withoutDuplicates(peers: readonly ImportedPeer[]): { peers: ImportedPeer[]; duplicates: string[] } {
  const seen = new Set<string>();
  const duplicates = new Set<string>();
  const kept = peers.filter((p) => {
    if (!isWireGuardKey(p.publicKey)) return false;
    if (seen.has(p.publicKey)) {
      duplicates.add(p.publicKey);
      return false;
    }
    seen.add(p.publicKey);
    return true;
  });
  return { peers: kept, duplicates: [...duplicates] };
}

function usage(error: string): number {
  console.error(`import-peers: ${error}\n${USAGE}`);
  return 2;
}

// The exit code is set, never process.exit(): a piped stdout is written asynchronously.
process.exitCode = main(process.argv.slice(2));
