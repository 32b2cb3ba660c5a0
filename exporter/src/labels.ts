// Label values as exposition bytes: shared by the parser, which stores each peer's label set
// once, and the renderer, which copies it into every line.
import type { PeerMeta } from "./peers-file.js";

export function escapeLabelValue(v: string): string {
  return /[\\"\n]/.test(v) ? v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n") : v;
}

const ascii = (s: string) => Buffer.from(s, "latin1");
export const LABEL_IPS = ascii('",allowed_ips="');
export const LABEL_NAME = ascii('",friendly_name="');
export const LABEL_OWNER = ascii('",owner="');
export const LABEL_ENDPOINT = ascii('",endpoint="');
export const LABELS_END = ascii('"} ');
export const NO_NAME = ascii('",friendly_name=""} ');
export const INFO_END = ascii('"} 1\n');

export interface MetaBytes {
  name: Buffer;
  owner: Buffer;
}

/** The peers file's label values, escaped and encoded once per peers file entry. */
const encoded = new WeakMap<PeerMeta, MetaBytes>();
export function metaBytes(m: PeerMeta): MetaBytes {
  let e = encoded.get(m);
  if (!e) encoded.set(m, (e = { name: Buffer.from(escapeLabelValue(m.friendlyName)), owner: Buffer.from(escapeLabelValue(m.owner)) }));
  return e;
}
