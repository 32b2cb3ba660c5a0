// The components that move a stack's artifacts onto machines.
export { sshConnection, type Connection } from "./connection.js";
export { GrafanaDashboards, stackDashboards } from "./grafana-dashboards.js";
export { PrometheusServer } from "./prometheus-server.js";
export { exporterBundle, type ExporterBundle } from "./exporter-bundle.js";
export { WireGuardHost } from "./wireguard-host.js";
