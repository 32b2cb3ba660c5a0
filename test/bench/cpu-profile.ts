// Where a Pulumi program run's CPU time goes, from a V8 .cpuprofile (node --cpu-prof): each sample
// is charged to the first frame, from the innermost outwards, that belongs to a known part.
import { readFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const TS_PROGRAM = new Set(["createProgram", "synchronizeHostData"]);
const TS_CHECK = new Set([
  "getSemanticDiagnostics",
  "getPreEmitDiagnostics",
  "checkSourceFile",
  "checkSourceFileWithEagerDiagnostics",
]);

/** The part a stack (innermost frame first) belongs to, or undefined to keep looking outwards. */
function partOf(stack: readonly ProfileNode["callFrame"][]): string {
  const names = new Set(stack.map((f) => f.functionName));
  if (names.has("prepareStackTrace"))
    return "stack traces: the SDK takes one per promise, mapped to .ts by ts-node's source-map-support";
  for (const f of stack) {
    const url = f.url;
    if (url.includes("/typescript/lib/")) {
      if ([...TS_PROGRAM].some((n) => names.has(n))) return "TypeScript: parse + bind (ts-node's program)";
      if ([...TS_CHECK].some((n) => names.has(n))) return "TypeScript: type-check";
      return "TypeScript: transpile + emit";
    }
    if (url.includes("/ts-node/")) return "TypeScript: transpile + emit";
    if (url.includes("/esbuild/") || f.functionName === "buildExporterBundle") return "esbuild: the exporter bundle";
    if (url.includes("/@pulumi/pulumi/runtime/mocks") || url.endsWith("run-program-under-mocks.cjs"))
      return "mocks + capture (harness only)";
    if (url.includes("google-protobuf") || url.includes("/@grpc/") || url.includes("/@pulumi/pulumi/proto/"))
      return "protobuf messages (resource registration RPC)";
    if (url.includes("/@pulumi/") || url.includes("/@pulumiverse/"))
      return "Pulumi SDKs: resources, outputs, serialization";
    if (url.startsWith("node:internal/modules") || f.functionName === "wrapSafe")
      return "module loading (resolve, read, compile JS)";
    if (url.includes("/node_modules/")) return "other libraries (zod, js-yaml, …)";
    if (url.startsWith("file://") || url.startsWith("/")) return "our code: program, builders, components";
  }
  return "node internals";
}

/** Milliseconds per part, largest first, with the total. */
export function profileBreakdown(file: string): { total: number; parts: [string, number][] } {
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const partById = new Map<number, string>();
  const part = (id: number): string => {
    let p = partById.get(id);
    if (p !== undefined) return p;
    const own = byId.get(id)!.callFrame.functionName;
    if (own === "(garbage collector)") p = "garbage collection";
    else if (own === "(idle)" || own === "(program)") p = "idle, or native code outside JavaScript";
    else {
      const stack: ProfileNode["callFrame"][] = [];
      for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) stack.push(byId.get(at)!.callFrame);
      p = partOf(stack);
    }
    partById.set(id, p);
    return p;
  };
  const ms = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const t = profile.timeDeltas[i]! / 1000;
    total += t;
    ms.set(part(id), (ms.get(part(id)) ?? 0) + t);
  });
  return { total, parts: [...ms].sort((a, b) => b[1] - a[1]) };
}
