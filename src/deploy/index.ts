// The components that move a stack's artifacts onto machines.
export { machineOf, sshConnection } from "./connection";
export { GrafanaDashboards, stackDashboards } from "./grafana-dashboards";
export { PrometheusServer, prometheusComponent } from "./prometheus-server";
export { prometheusSecretsNeeded } from "./prometheus-secrets";
export { exporterBundle } from "./exporter-bundle";
export { WireGuardHost } from "./wireguard-host";
