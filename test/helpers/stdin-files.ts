// Reads back what src/deploy/stdin-files.ts puts on an install step's stdin: name → content.
export function readStdinFiles(stdin: string): Map<string, string> {
  const marker = stdin.indexOf("\n--\n");
  if (!stdin.startsWith("wireguard-monitoring files\n") || marker === -1)
    throw new Error("not a wireguard-monitoring files stdin");
  const tar = Buffer.from(stdin.slice(marker + 4).replace(/\n/g, ""), "base64");
  const files = new Map<string, string>();
  for (let at = 0; at + 512 <= tar.length;) {
    const header = tar.subarray(at, at + 512);
    if (header.every((b) => b === 0)) break;
    const name = header.subarray(0, 100).toString("utf8").replace(/\0.*$/s, "");
    const size = parseInt(header.subarray(124, 136).toString("ascii").replace(/\0.*$/s, ""), 8);
    files.set(name, tar.subarray(at + 512, at + 512 + size).toString("utf8"));
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return files;
}
