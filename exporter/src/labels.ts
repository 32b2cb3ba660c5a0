// Label values as exposition bytes: shared by the parser, which stores each peer's label set
// once, and the renderer, which copies it into every line.
import type { PeerMeta } from "./peers-file";

export function escapeLabelValue(v: string): string {
  return /[\\"\n]/.test(v) ? v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n") : v;
}

/**
 * Copies src[from, to) to dst at `at`, escaped as a label value; returns the position after it.
 * Byte-wise is right for UTF-8: " and \ never occur inside a multi-byte character (and a
 * newline never occurs inside a line of wg's output).
 */
export function copyEscaped(src: Buffer, from: number, to: number, dst: Buffer, at: number): number {
  for (let k = from; k < to; k++) {
    const c = src[k]!;
    if (c === 34 || c === 92) dst[at++] = 92;
    dst[at++] = c;
  }
  return at;
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
  if (!e)
    encoded.set(
      m,
      (e = { name: Buffer.from(escapeLabelValue(m.friendlyName)), owner: Buffer.from(escapeLabelValue(m.owner)) }),
    );
  return e;
}
