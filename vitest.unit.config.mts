import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { configDefaults, defineConfig, mergeConfig } from "vitest/config";
import base from "./vitest.config.mjs";

// `npm run test:unit`: the suite less the tests that need root or network namespaces, for
// contributors and CI runners without root. Tests that run Prometheus or promtool stay: they need
// the Debian package, not root.

/** Harnesses that need root: WireGuard tunnels between network namespaces, hosts booted with systemd-nspawn. */
const ROOT_HARNESSES = [/from "\.\.\/harness\/tunnel(\.js)?"/, /from "\.\.\/harness\/test-host(\.js)?"/];

/** Test files importing one of them: read from the imports, so a new such test needs no list kept. */
function testsNeedingRoot(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith(".test.ts"))
    .map((e) => join(e.parentPath, e.name))
    .filter((f) => ROOT_HARNESSES.some((re) => re.test(readFileSync(f, "utf8"))))
    .map((f) =>
      relative(import.meta.dirname, f)
        .split("\\")
        .join("/"),
    );
}

export default mergeConfig(
  base,
  defineConfig({
    test: { exclude: [...configDefaults.exclude, ...testsNeedingRoot(join(import.meta.dirname, "test"))] },
  }),
);
