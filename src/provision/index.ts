// The components that move a stack's artifacts onto machines.
export { machineOf, sshConnection, type Connection } from "./connection";
export { GrafanaDashboards, stackDashboards } from "./grafana-dashboards";
export { PrometheusServer } from "./prometheus-server";
export { exporterBundle, type ExporterBundle } from "./exporter-bundle";
export { WireGuardHost } from "./wireguard-host";
