// The Pulumi program: read the stack config, build the artifacts, declare the components.
import { installsNode } from "./src/config/index";
import { inventoryFromPulumiConfig, requireSecretConfig } from "./src/config/pulumi-config";
import { localHealthUrl } from "./src/hosts/paths";
import { stackFolder } from "./src/grafana/stack-names";
import { exporterBundle, GrafanaDashboards, machineOf, PrometheusServer, sshConnection, stackDashboards, WireGuardHost } from "./src/provision/index";
import { stackArtifacts } from "./src/render/stack-artifacts";
import { PASSWORD_FILE } from "./src/prometheus/scrape-config";

const inventory = inventoryFromPulumiConfig();
const artifacts = stackArtifacts(inventory);
const privateKey = requireSecretConfig("sshPrivateKey", "the components reach hosts and Prometheus over SSH");
const basicAuthPassword = inventory.exporter.basicAuth.enabled
  ? requireSecretConfig("exporterBasicAuthPassword", "exporter.basicAuth.enabled is true")
  : undefined;

// Built from exporter/src before anything is declared: a build error stops the run untouched.
const bundle = exporterBundle(__dirname);

const wireguardHosts = inventory.hosts.map(
  (host) =>
    new WireGuardHost(host.name, {
      stack: inventory.stack,
      machine: machineOf(host),
      userspaceWireGuard: host.userspaceWireGuard,
      connection: sshConnection(inventory, { label: `host ${host.name}`, ...host }, privateKey),
      artifacts: artifacts.filter((a) => a.host === host.name),
      exporterBundle: bundle,
      installNode: installsNode(inventory, host),
      healthUrl: localHealthUrl(inventory.exporter),
      basicAuth: basicAuthPassword && { username: inventory.exporter.basicAuth.username, password: basicAuthPassword },
    }),
);

const prometheus = new PrometheusServer("prometheus", {
  stack: inventory.stack,
  machine: machineOf(inventory.prometheus),
  settings: inventory.prometheus,
  connection: sshConnection(inventory, { label: "prometheus", ...inventory.prometheus }, privateKey),
  artifacts: artifacts.filter((a) => a.kind === "prometheus" || a.kind === "targets" || a.kind === "rules"),
  secretFiles: basicAuthPassword ? [{ name: PASSWORD_FILE, value: basicAuthPassword }] : [],
  waitFor: wireguardHosts.map((h) => h.install),
});

const dashboards = inventory.grafana.enabled
  ? new GrafanaDashboards("grafana", {
      url: inventory.grafana.url,
      auth: requireSecretConfig("grafanaAuth", "grafana.enabled is true"),
      folder: stackFolder(inventory),
      dashboards: stackDashboards(artifacts),
    })
  : undefined;

export const environment = inventory.environment;
export const hosts = inventory.hosts.map((h) => h.name);
export const exporterBuild = bundle.sha256;
export const prometheusReport = prometheus.apply.stdout;
export const grafanaFolder = dashboards?.folder.uid;
export const artifactCount = artifacts.length;
