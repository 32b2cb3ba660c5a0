// Runs an async CLI main. The exit code is set, never process.exit(): a piped stdout is written
// asynchronously, and exiting at once would cut long output off at the pipe's buffer size (64 KiB on Linux).
export function runMain(name: string, main: (argv: readonly string[]) => Promise<number>, errorCode: number): void {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      console.error(`${name}: ${(e as Error).message}`);
      process.exitCode = errorCode;
    },
  );
}
