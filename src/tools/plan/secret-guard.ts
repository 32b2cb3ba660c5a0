// The preview's last check: the plan was made with stand-in secrets, so a stand-in anywhere in the
// printed text means a secret lost its secret marking on the way into a resource. It may have been
// encoded on the way (a file in base64 on a Command's stdin, a hex digest input, a header in
// upper case), so the check also looks for those forms of it.

/** Base64 of `bytes` as it reads inside longer data that starts `offset` bytes before it. */
function base64Inside(bytes: Buffer, offset: number): string {
  const text = Buffer.concat([Buffer.alloc(offset), bytes]).toString("base64");
  // The first group mixes in the preceding bytes, the last partial one the following bytes.
  return text.slice(offset > 0 ? 4 : 0, Math.floor((offset + bytes.length) / 3) * 4);
}

/** The case-sensitive forms of a stand-in looked for: base64 (standard and URL-safe) at each alignment. */
function encodedForms(standIn: string): string[] {
  const forms = new Set<string>();
  for (const variant of [standIn, standIn.toUpperCase(), standIn.toLowerCase()]) {
    const bytes = Buffer.from(variant, "utf8");
    for (const offset of [0, 1, 2]) {
      const b64 = base64Inside(bytes, offset);
      forms.add(b64);
      forms.add(b64.replace(/\+/g, "-").replace(/\//g, "_"));
    }
  }
  return [...forms];
}

/**
 * Whether `text` shows `standIn` as it is, in upper or lower case, as hex (either case), or as
 * base64 or base64url anywhere in longer data, also when that data is broken into lines (a raw
 * line break or a JSON `\n`).
 */
export function revealsStandIn(text: string, standIn: string): boolean {
  const compact = text.replace(/\\[nr]|\s/g, "");
  for (const haystack of [text, compact]) {
    const lower = haystack.toLowerCase();
    if (lower.includes(standIn.toLowerCase())) return true;
    if (lower.includes(Buffer.from(standIn, "utf8").toString("hex"))) return true;
    if (encodedForms(standIn).some((form) => haystack.includes(form))) return true;
  }
  return false;
}
