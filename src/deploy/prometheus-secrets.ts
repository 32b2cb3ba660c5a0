// The secrets a stack's Prometheus servers read from files in their secretsDir: for each, the secret
// config key it comes from, the file the generated configs' password_file points to, and the setting
// that needs it (named in the message when the secret is unset). Every server gets every one: each
// server's config holds the same scrape auth, Alertmanagers and remote-write endpoints.
import type { Inventory, SecretKey } from "../model/index";
import {
  ALERTMANAGER_PASSWORD_FILE,
  PASSWORD_FILE,
  REMOTE_WRITE_PASSWORD_FILE,
} from "../build/prometheus/secret-files";

export interface PrometheusSecretNeed {
  key: SecretKey;
  /** File name in the server's secretsDir. */
  file: string;
  /** The config key that needs it, e.g. `alerting.alertmanagers[1].basicAuth is set`. */
  why: string;
}

export function prometheusSecretsNeeded(inventory: Inventory): PrometheusSecretNeed[] {
  const needs: PrometheusSecretNeed[] = [];
  if (inventory.exporter.basicAuth.enabled)
    needs.push({ key: "exporterBasicAuthPassword", file: PASSWORD_FILE, why: "exporter.basicAuth.enabled is true" });
  const alertmanager = inventory.alerting.alertmanagers.findIndex((a) => a.basicAuth !== undefined);
  if (alertmanager >= 0) {
    needs.push({
      key: "alertmanagerBasicAuthPassword",
      file: ALERTMANAGER_PASSWORD_FILE,
      why: `alerting.alertmanagers[${alertmanager}].basicAuth is set`,
    });
  }
  const remoteWrite = inventory.remoteWrite.findIndex((r) => r.basicAuth !== undefined);
  if (remoteWrite >= 0) {
    needs.push({
      key: "remoteWriteBasicAuthPassword",
      file: REMOTE_WRITE_PASSWORD_FILE,
      why: `remoteWrite[${remoteWrite}].basicAuth is set`,
    });
  }
  return needs;
}
