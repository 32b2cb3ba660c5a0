// Entry point: flags → wiring → listen. WireGuard failures are never fatal; bad flags or a bad
// web config are (they are operator errors that must be seen at start).
import { Collector } from "./collector";
import { describeConfig, parseFlags } from "./flags";
import { createLogger } from "./log";
import { PeersFileSource, readPeersFileOffThread, runPeersFileWorker } from "./peers-file";
import { WgReader } from "./reader";
import { youngGenerationGc } from "./young-gc";
import { createSelfMetrics } from "./self-metrics";
import { createServer } from "./server";
import { REVISION, VERSION } from "./version";
import { loadWebConfig, type WebConfig } from "./web-config";

function main(): void {
  const flags = parseFlags(process.argv.slice(2));
  if (flags.kind === "help") {
    process.stdout.write(flags.text);
    return;
  }
  if (flags.kind === "version") {
    process.stdout.write(`wireguard-exporter ${VERSION} (revision ${REVISION}, node ${process.version})\n`);
    return;
  }
  if (flags.kind === "error") {
    process.stderr.write(`wireguard-exporter: ${flags.message}\n`);
    process.exit(2);
  }
  const config = flags.config;
  const log = createLogger(config.logLevel);

  let webConfig: WebConfig | null = null;
  if (config.webConfigFile) {
    try {
      webConfig = loadWebConfig(config.webConfigFile);
    } catch (e) {
      log("error", "invalid web config", { flag: "--web.config.file", error: (e as Error).message });
      process.stderr.write(`wireguard-exporter: --web.config.file: ${(e as Error).message}\n`);
      process.exit(2);
    }
  }

  const metrics = createSelfMetrics(config.peersFile !== undefined);
  const peersFile = config.peersFile
    ? new PeersFileSource(
        config.peersFile,
        (ok, d) =>
          ok
            ? log("info", "peers file loaded", { path: config.peersFile, peers: d.peers })
            : log("error", "peers file rejected", {
                path: config.peersFile,
                errors: d.errors,
                kept_previous: d.keptPrevious,
              }),
        (path) => readPeersFileOffThread(path, __filename), // this bundle is also the worker's script
      )
    : null;
  void peersFile?.refresh(0);

  const collector = new Collector({
    reader: new WgReader(config.wgCommand, config.interfaces, config.collectorTimeoutMs),
    afterRelease: youngGenerationGc() ?? undefined,
    peersFile,
    connectedThresholdMs: config.connectedThresholdMs,
    exportEndpoints: config.exportEndpoints,
    log,
    metrics,
  });
  const server = createServer({
    collector,
    metrics,
    peersFile,
    telemetryPath: config.telemetryPath,
    exportEndpoints: config.exportEndpoints,
    compression: config.compression,
    webConfig,
    log,
  });

  server.on("error", (e) => {
    log("error", "cannot listen", { flag: "--web.listen-address", error: e.message });
    process.exit(1);
  });
  server.listen(config.listenPort, config.listenHost, () => {
    const a = server.address();
    const port = typeof a === "object" && a ? a.port : config.listenPort;
    log("info", "listening", {
      address: typeof a === "object" && a ? a.address : String(a),
      port,
      tls: webConfig?.tls != null,
      basic_auth: (webConfig?.users.size ?? 0) > 0,
      version: VERSION,
      config: describeConfig(config),
    });
  });

  const stop = (signal: string) => {
    log("info", "shutting down", { signal });
    server.close(() => process.exit(0));
    server.closeIdleConnections?.();
    setTimeout(() => process.exit(0), 3000).unref(); // don't wait on slow scrapers forever
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}

if (!runPeersFileWorker()) main(); // the same file is the peers file reader's worker script
