// The exporter's peers file: a `peers` list of entries with these fields, written by the generator
// for each host and read by the exporter, which refuses the whole file when one entry breaks a rule
// here. Both sides take the field names and rules from this module. Pure: no I/O.
import { isWireGuardKey } from "./wireguard-key";

/** The top-level key holding the entries (the file's only one). */
export const PEERS_LIST = "peers";

/** The fields of an entry, by what they hold; written in this order. */
export const PEER_FIELDS = {
  publicKey: "public_key",
  friendlyName: "friendly_name",
  owner: "owner",
  expected: "expected",
  interface: "interface",
} as const;
export type PeerField = (typeof PEER_FIELDS)[keyof typeof PEER_FIELDS];
export const PEER_FIELD_NAMES: readonly PeerField[] = Object.values(PEER_FIELDS);

/** One entry as written: a name for a public key, optionally its owner, whether it is expected, its interface. */
export interface PeersFileEntry {
  public_key: string;
  friendly_name: string;
  /** On wireguard_peer_info; absent or "" is no owner. */
  owner?: string;
  /** Default false. */
  expected?: boolean;
  /** Absent: the entry is for that key on any interface. */
  interface?: string;
}

/** The largest file the exporter reads (~110,000 peers with name, owner and expected set). */
export const MAX_PEERS_FILE_BYTES = 16 << 20;

/**
 * Label values reach Prometheus as UTF-8, which a lone surrogate has no form of (it would arrive as
 * U+FFFD); the `u` flag lets a well-formed pair through.
 */
export function isWellFormedText(text: string): boolean {
  return !/[\uD800-\uDFFF]/u.test(text);
}

const NOT_WELL_FORMED = "must be well-formed Unicode (no lone surrogate)";

/** Why each field's value is refused, or undefined; `undefined` is the field left out. */
export const PEER_FIELD_RULES: Readonly<Record<PeerField, (value: unknown) => string | undefined>> = {
  public_key: (v) =>
    typeof v !== "string"
      ? "required, a base64 WireGuard public key"
      : isWireGuardKey(v)
        ? undefined
        : "not a base64-encoded 32-byte key",
  friendly_name: (v) =>
    typeof v !== "string" || v.trim() === ""
      ? "required, a non-empty string"
      : isWellFormedText(v)
        ? undefined
        : NOT_WELL_FORMED,
  owner: (v) =>
    v === undefined
      ? undefined
      : typeof v !== "string"
        ? "must be a string"
        : isWellFormedText(v)
          ? undefined
          : NOT_WELL_FORMED,
  expected: (v) => (v === undefined || typeof v === "boolean" ? undefined : "must be true or false"),
  // Any name `wg show all` may report: the kernel allows more than --wireguard.interfaces takes.
  interface: (v) => (v === undefined || (typeof v === "string" && v !== "") ? undefined : "must be a non-empty string"),
};

/** The rules' complaints about one entry, in field order, each as [field, why]. */
export function peerEntryProblems(entry: Readonly<Record<string, unknown>>): [PeerField, string][] {
  const problems: [PeerField, string][] = [];
  for (const field of PEER_FIELD_NAMES) {
    const why = PEER_FIELD_RULES[field](Object.hasOwn(entry, field) ? entry[field] : undefined);
    if (why !== undefined) problems.push([field, why]);
  }
  return problems;
}
