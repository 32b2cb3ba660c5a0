// Content negotiation for /metrics: whether a scraper's Accept-Encoding allows gzip
// (RFC 9110 §12.5.3). Prometheus sends `Accept-Encoding: gzip` unless its scrape config says
// `enable_compression: false`; curl --compressed sends `deflate, gzip, br, zstd`.

/** True when the header names gzip (or x-gzip, or `*` without gzip) with a q-value above 0. */
export function acceptsGzip(header: string | undefined): boolean {
  if (!header) return false;
  let gzip: number | undefined;
  let any: number | undefined;
  for (const part of header.split(",")) {
    const [coding = "", ...params] = part.split(";").map((s) => s.trim().toLowerCase());
    let q = 1;
    for (const p of params) {
      const m = /^q\s*=\s*([0-9.]+)$/.exec(p);
      if (m) q = Number(m[1]);
    }
    if (Number.isNaN(q)) q = 0;
    if (coding === "gzip" || coding === "x-gzip") gzip = Math.max(gzip ?? 0, q);
    else if (coding === "*") any = q;
  }
  return (gzip ?? any ?? 0) > 0;
}
