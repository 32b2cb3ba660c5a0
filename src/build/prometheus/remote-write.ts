// prometheus.yml's `remote_write:` for one server: every stack entry with its headers, TLS, basic
// auth (password by file) and queue settings; `wireGuardOnly` keeps only the series the committed
// dashboards and rules read (see read-metrics.ts).
import type { Inventory, PrometheusServer } from "../../model/index";
import type { RemoteWriteConfig } from "../../model/schema";
import { clientTls } from "./alerting";
import { metricsDashboardsAndRulesRead } from "./read-metrics";
import { REMOTE_WRITE_PASSWORD_FILE } from "./secret-files";

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Keeps series whose name is one the dashboards and rules read (Prometheus anchors the regex). */
export function wireGuardOnlyRelabel(): Record<string, unknown> {
  return {
    source_labels: ["__name__"],
    regex: metricsDashboardsAndRulesRead().map(escapeRegex).join("|"),
    action: "keep",
  };
}

function remoteWriteEntry(w: RemoteWriteConfig, server: PrometheusServer): Record<string, unknown> {
  const entry: Record<string, unknown> = { url: w.url };
  if (w.name !== undefined) entry.name = w.name;
  if (w.headers !== undefined && Object.keys(w.headers).length > 0) entry.headers = { ...w.headers };
  if (w.basicAuth !== undefined) {
    entry.basic_auth = {
      username: w.basicAuth.username,
      password_file: `${server.secretsDir}/${REMOTE_WRITE_PASSWORD_FILE}`,
    };
  }
  if (w.tls !== undefined) entry.tls_config = clientTls(w.tls);
  const q = w.queue ?? {};
  const queue: Record<string, unknown> = {};
  if (q.capacity !== undefined) queue.capacity = q.capacity;
  if (q.minShards !== undefined) queue.min_shards = q.minShards;
  if (q.maxShards !== undefined) queue.max_shards = q.maxShards;
  if (q.maxSamplesPerSend !== undefined) queue.max_samples_per_send = q.maxSamplesPerSend;
  if (q.batchSendDeadline !== undefined) queue.batch_send_deadline = q.batchSendDeadline;
  if (Object.keys(queue).length > 0) entry.queue_config = queue;
  if (w.wireGuardOnly) entry.write_relabel_configs = [wireGuardOnlyRelabel()];
  return entry;
}

/** The `remote_write:` list, or undefined when the stack writes nowhere. */
export function remoteWriteSection(
  inventory: Inventory,
  server: PrometheusServer,
): Record<string, unknown>[] | undefined {
  return inventory.remoteWrite.length > 0 ? inventory.remoteWrite.map((w) => remoteWriteEntry(w, server)) : undefined;
}
