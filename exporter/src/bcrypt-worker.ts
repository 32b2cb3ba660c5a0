// bcrypt comparisons in a worker thread, so that a flood of them never holds up the event loop
// (bcryptjs computes in JavaScript; even its async API blocks the loop in 100 ms slices).
// exporter/bundle.ts bundles this file into a string the exporter starts with `eval: true`.
import { parentPort } from "node:worker_threads";
import bcrypt from "bcryptjs";

export interface CompareRequest {
  id: number;
  pass: string;
  hash: string;
}

parentPort?.on("message", ({ id, pass, hash }: CompareRequest) => {
  parentPort!.postMessage({ id, ok: bcrypt.compareSync(pass, hash) });
});
