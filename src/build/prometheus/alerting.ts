// prometheus.yml's `alerting:` for one server: the stack's Alertmanagers (static URLs or a file_sd
// file, with their scheme, path, TLS and basic auth) and, for a server of an HA group, the relabelling
// that drops its `replica` label so both replicas' alerts are one alert to Alertmanager.
import type { Inventory, PrometheusServer } from "../../model/index";
import type { AlertmanagerConfig } from "../../model/schema";
import { ALERTMANAGER_PASSWORD_FILE } from "./secret-files";

/** The external label that tells the servers of an HA group apart. */
const REPLICA_LABEL = "replica";

/** tls_config towards an Alertmanager or a remote-write endpoint. */
export function clientTls(tls: { caFile?: string; insecureSkipVerify: boolean }): Record<string, unknown> {
  return { ...(tls.caFile ? { ca_file: tls.caFile } : {}), insecure_skip_verify: tls.insecureSkipVerify };
}

function alertmanagerEntry(am: AlertmanagerConfig, server: PrometheusServer): Record<string, unknown> {
  const entry: Record<string, unknown> = {};
  if (am.urls !== undefined) {
    const first = new URL(am.urls[0]!);
    entry.scheme = first.protocol === "https:" ? "https" : "http";
    if (first.pathname !== "/") entry.path_prefix = first.pathname;
  } else {
    if (am.scheme !== undefined) entry.scheme = am.scheme;
    if (am.pathPrefix !== undefined) entry.path_prefix = am.pathPrefix;
  }
  if (am.timeout !== undefined) entry.timeout = am.timeout;
  entry.api_version = "v2";
  if (am.basicAuth !== undefined) {
    entry.basic_auth = {
      username: am.basicAuth.username,
      password_file: `${server.secretsDir}/${ALERTMANAGER_PASSWORD_FILE}`,
    };
  }
  if (am.tls !== undefined) entry.tls_config = clientTls(am.tls);
  if (am.urls !== undefined) {
    // Prometheus takes host:port here; the port is explicit so that no default is left to guess.
    const targets = am.urls.map((text) => {
      const url = new URL(text);
      return `${url.hostname}:${url.port || (url.protocol === "https:" ? "443" : "80")}`;
    });
    entry.static_configs = [{ targets }];
  } else {
    entry.file_sd_configs = [{ files: [am.fileSd!] }];
  }
  return entry;
}

/** The `alerting:` section, or undefined when the server has neither Alertmanagers nor a replica label to drop. */
export function alertingSection(inventory: Inventory, server: PrometheusServer): Record<string, unknown> | undefined {
  const section: Record<string, unknown> = {};
  if (server.replica !== undefined) section.alert_relabel_configs = [{ action: "labeldrop", regex: REPLICA_LABEL }];
  const alertmanagers = inventory.alerting.alertmanagers;
  if (alertmanagers.length > 0) section.alertmanagers = alertmanagers.map((am) => alertmanagerEntry(am, server));
  return Object.keys(section).length > 0 ? section : undefined;
}

/** global.external_labels: `env` on every server, `replica` on a server of an HA group. */
export function externalLabels(inventory: Inventory, server: PrometheusServer): Record<string, string> {
  return { env: inventory.environment, ...(server.replica !== undefined ? { [REPLICA_LABEL]: server.replica } : {}) };
}
