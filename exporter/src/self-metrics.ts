// The exporter's own and per-interface metrics: few series, so prom-client's registry serves
// them (with process metrics and the content type).
import { Gauge, Registry, collectDefaultMetrics } from "prom-client";
import { REVISION, VERSION } from "./version";

export interface SelfMetrics {
  /** Process/Node.js metrics and build info: rendered while `wg` runs, they don't depend on it. */
  processRegistry: Registry;
  /** Gauges set by each collection. */
  registry: Registry;
  peers: Gauge<"interface">;
  interfaceInfo: Gauge<"interface" | "public_key" | "listen_port">;
  scrapeSuccess: Gauge;
  scrapeDuration: Gauge;
  peersFileReloadSuccess: Gauge;
  peersFileLastReload: Gauge;
}

export function createSelfMetrics(withPeersFile: boolean): SelfMetrics {
  const registry = new Registry();
  const processRegistry = new Registry();
  collectDefaultMetrics({ register: processRegistry });
  const build = new Gauge({
    name: "wireguard_exporter_build_info",
    help: "Exporter version, revision and Node.js version; always 1.",
    labelNames: ["version", "revision", "nodejs"],
    registers: [processRegistry],
  });
  build.set({ version: VERSION, revision: REVISION, nodejs: process.version }, 1);
  const m: SelfMetrics = {
    processRegistry,
    registry,
    peers: new Gauge({
      name: "wireguard_peers",
      help: "Number of peers configured on the interface.",
      labelNames: ["interface"],
      registers: [registry],
    }),
    interfaceInfo: new Gauge({
      name: "wireguard_interface_info",
      help: "Interface public key and UDP listen port; always 1.",
      labelNames: ["interface", "public_key", "listen_port"],
      registers: [registry],
    }),
    scrapeSuccess: new Gauge({
      name: "wireguard_scrape_success",
      help: "1 if the last wg call and parse worked, else 0.",
      registers: [registry],
    }),
    scrapeDuration: new Gauge({
      name: "wireguard_scrape_duration_seconds",
      help: "Duration in seconds of the last collection (wg call and parse).",
      registers: [registry],
    }),
    peersFileReloadSuccess: new Gauge({
      name: "wireguard_peers_file_reload_success",
      help: "1 if the last (re)load of the peers file worked, 0 if it failed and the last good file is kept.",
      registers: withPeersFile ? [registry] : [],
    }),
    peersFileLastReload: new Gauge({
      name: "wireguard_peers_file_last_reload_timestamp_seconds",
      help: "UNIX timestamp in seconds of the last successful peers file load, 0 if none.",
      registers: withPeersFile ? [registry] : [],
    }),
  };
  return m;
}
