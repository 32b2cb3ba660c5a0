// The Pulumi program: read the stack config, build the artifacts, declare the components.
import { join } from "node:path";
import { installsNode } from "./src/config/index";
import { inventoryFromPulumiConfig, requireSecretConfig } from "./src/config/pulumi-config";
import { localHealthUrl } from "./src/hosts/paths";
import { exporterBundle, GrafanaDashboards, PrometheusServer, sshConnection, stackDashboards, WireGuardHost } from "./src/provision/index";
import { stackArtifacts } from "./src/render/stack-artifacts";

const inventory = inventoryFromPulumiConfig();
const artifacts = stackArtifacts(inventory);
const privateKey = requireSecretConfig("sshPrivateKey", "the components reach hosts and Prometheus over SSH");
const basicAuthPassword = inventory.exporter.basicAuth.enabled
  ? requireSecretConfig("exporterBasicAuthPassword", "exporter.basicAuth.enabled is true")
  : undefined;

const bundle = exporterBundle(join(__dirname, "exporter", "dist", "wireguard-exporter.cjs"));

const wireguardHosts = inventory.hosts.map(
  (host) =>
    new WireGuardHost(host.name, {
      stack: inventory.stack,
      userspaceWireGuard: host.userspaceWireGuard,
      connection: sshConnection(inventory, { label: `host ${host.name}`, ...host }, privateKey),
      artifacts: artifacts.filter((a) => a.host === host.name),
      exporterBundle: bundle,
      installNode: installsNode(inventory, host),
      healthUrl: localHealthUrl(inventory.exporter),
      filebeatInputsDir: inventory.logs.filebeat ? inventory.logs.filebeatInputsDir : undefined,
      basicAuth: basicAuthPassword && { username: inventory.exporter.basicAuth.username, password: basicAuthPassword },
    }),
);

const prometheus = new PrometheusServer(
  "prometheus",
  {
    stack: inventory.stack,
    settings: inventory.prometheus,
    connection: sshConnection(inventory, { label: "prometheus", ...inventory.prometheus }, privateKey),
    artifacts: artifacts.filter((a) => a.kind === "prometheus" || a.kind === "targets" || a.kind === "rules"),
    exporterPassword: basicAuthPassword,
    waitFor: wireguardHosts.map((h) => h.install),
  },
);

const dashboards = inventory.grafana.enabled
  ? new GrafanaDashboards("grafana", {
      url: inventory.grafana.url,
      auth: requireSecretConfig("grafanaAuth", "grafana.enabled is true"),
      folderTitle: inventory.grafana.folder,
      dashboards: stackDashboards(artifacts),
    })
  : undefined;

export const environment = inventory.environment;
export const hosts = Object.fromEntries(wireguardHosts.map((h, i) => [inventory.hosts[i].name, h.contentHash]));
export const prometheusFiles = prometheus.contentHash;
export const grafanaFolder = dashboards?.folder.uid;
export const artifactCount = artifacts.length;
