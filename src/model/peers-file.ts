// `peersFile`: a stack may keep its peers in a file of their own next to the stack file (YAML: a
// `peers:` list or a bare list, as `npm run import-peers` prints; or CSV with a header row), so a
// large inventory is reviewed as its own file. The file's peers are validated exactly like inline
// ones; their errors name the file, e.g. `peers/prod.yaml: peers[3].publicKey: …`.
import { readFileSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { load as parseYaml, YAMLException } from "js-yaml";
import { keyPath, type ConfigError } from "./errors";

/** The peer fields a CSV header may name (the stack config's peer keys). */
const CSV_COLUMNS = [
  "publicKey",
  "friendlyName",
  "owner",
  "host",
  "interface",
  "expected",
  "bandwidthLimitBytesPerSecond",
];

export type PeersFileResolution =
  | {
      ok: true;
      values: Record<string, unknown>;
      /** the file as the user named it, when peers came from one */ source?: string;
    }
  | { ok: false; errors: ConfigError[] };

/**
 * Replaces `peersFile` in raw config values by the peers it holds (relative paths are read from
 * `projectDir`, where the stack files are). Without a peersFile (unset or empty) the values pass as they are.
 */
export function withPeersFile(raw: Record<string, unknown>, projectDir: string): PeersFileResolution {
  const { peersFile, ...values } = raw;
  if (peersFile === undefined || peersFile === "") return { ok: true, values };
  const err = (message: string): PeersFileResolution => ({
    ok: false,
    errors: [{ path: keyPath(["peersFile"]), message }],
  });
  if (typeof peersFile !== "string") return err("expected the path of a YAML or CSV file");
  if (Array.isArray(values.peers) && values.peers.length > 0) return err("set either peers or peersFile, not both");
  let text: string;
  try {
    text = readFileSync(isAbsolute(peersFile) ? peersFile : resolve(projectDir, peersFile), "utf8");
  } catch (e) {
    return err(
      `cannot read ${peersFile}: ` +
        ((e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message),
    );
  }
  const parsed = /\.csv$/i.test(peersFile) ? parseCsvPeers(text, peersFile) : parseYamlPeers(text, peersFile);
  if (!parsed.ok) return parsed;
  return { ok: true, values: { ...values, peers: parsed.peers }, source: peersFile };
}

/** Errors about the file's peers name the file instead of the stack key. */
export function inPeersFile(errors: readonly ConfigError[], source: string): ConfigError[] {
  const prefix = keyPath(["peers"]);
  return errors.map((e) =>
    e.path === prefix || e.path.startsWith(`${prefix}[`)
      ? { ...e, path: `${source}: ${e.path.slice(prefix.length - "peers".length)}` }
      : e,
  );
}

type Parsed = { ok: true; peers: unknown[] } | { ok: false; errors: ConfigError[] };

function parseYamlPeers(text: string, file: string): Parsed {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    const mark = e instanceof YAMLException ? e.mark : undefined;
    return {
      ok: false,
      errors: [
        {
          path: mark ? `${file}:${mark.line + 1}:${mark.column + 1}` : file,
          message: `not valid YAML: ${(e as Error).message.split("\n")[0]}`,
        },
      ],
    };
  }
  const peers = Array.isArray(doc)
    ? doc
    : doc !== null && typeof doc === "object" && !Array.isArray(doc) && Object.keys(doc).length === 1
      ? (doc as { peers?: unknown }).peers
      : undefined;
  if (doc === null || doc === undefined) return { ok: true, peers: [] };
  if (!Array.isArray(peers))
    return {
      ok: false,
      errors: [{ path: file, message: "expected a list of peers, or a map with only `peers:` holding one" }],
    };
  return { ok: true, peers };
}

/** One CSV record's fields (RFC 4180: quoted fields may hold commas, quotes doubled). */
function csvRecords(text: string): { line: number; fields: string[] }[] {
  const records: { line: number; fields: string[] }[] = [];
  let fields: string[] = [];
  let field = "";
  let quoted = false;
  let line = 1;
  let start = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') field += text[++i];
      else if (c === '"') quoted = false;
      else {
        if (c === "\n") line++;
        field += c;
      }
    } else if (c === '"' && field === "") quoted = true;
    else if (c === ",") {
      fields.push(field);
      field = "";
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      fields.push(field);
      if (fields.some((f) => f.trim() !== "")) records.push({ line: start, fields });
      fields = [];
      field = "";
      line++;
      start = line;
    } else field += c;
  }
  fields.push(field);
  if (fields.some((f) => f.trim() !== "")) records.push({ line: start, fields });
  return records;
}

function parseCsvPeers(text: string, file: string): Parsed {
  const [header, ...rows] = csvRecords(text.replace(/^\uFEFF/, ""));
  if (!header) return { ok: true, peers: [] };
  const columns = header.fields.map((f) => f.trim());
  const unknown = columns.filter((c) => !CSV_COLUMNS.includes(c));
  if (unknown.length > 0)
    return {
      ok: false,
      errors: [
        {
          path: `${file}:1`,
          message:
            `unknown column${unknown.length === 1 ? "" : "s"} ${unknown.map((c) => JSON.stringify(c)).join(", ")} ` +
            `(known: ${CSV_COLUMNS.join(", ")})`,
        },
      ],
    };
  const errors: ConfigError[] = [];
  const peers = rows.map((row, i) => {
    if (row.fields.length !== columns.length)
      errors.push({
        path: `${file}:${row.line}`,
        message: `peers[${i}]: expected ${columns.length} fields as in the header, got ${row.fields.length}`,
      });
    const peer: Record<string, unknown> = {};
    columns.forEach((c, j) => {
      const v = (row.fields[j] ?? "").trim();
      if (v === "") return;
      // Booleans and numbers as YAML would read them; anything else stays text for the schema to refuse.
      peer[c] =
        c === "expected" && /^(true|false)$/.test(v)
          ? v === "true"
          : c === "bandwidthLimitBytesPerSecond" && /^\d+(\.\d+)?$/.test(v)
            ? Number(v)
            : v;
    });
    return peer;
  });
  return errors.length > 0 ? { ok: false, errors } : { ok: true, peers };
}
