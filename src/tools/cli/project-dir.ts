// The checkout the command-line tools work on: the one they are part of (its Pulumi.<stack>.yaml,
// index.ts, alerts/ and dashboards/), found from this file's place, not from the working directory.
import { resolve } from "node:path";

export const PROJECT_DIR = resolve(__dirname, "..", "..", "..");
