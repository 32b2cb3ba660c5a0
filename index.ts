// The Pulumi program: read the stack config, build the artifacts, declare the components.
import { installsNode } from "./src/model/index";
import { inventoryFromPulumiConfig, requireSecretConfig } from "./src/deploy/pulumi-config";
import { EXPORTER_BUNDLE, localHealthUrl } from "./src/build/hosts/paths";
import { secretFilePlacement } from "./src/build/prometheus/artifacts";
import { stackFolder } from "./src/build/grafana/stack-names";
import {
  exporterBundle,
  GrafanaDashboards,
  machineOf,
  PrometheusServer,
  prometheusComponent,
  prometheusSecretsNeeded,
  sshConnection,
  stackDashboards,
  WireGuardHost,
} from "./src/deploy/index";
import { stackArtifacts } from "./src/build/stack-artifacts";

const inventory = inventoryFromPulumiConfig();
const artifacts = stackArtifacts(inventory);
const privateKey = requireSecretConfig("sshPrivateKey", "the components reach hosts and Prometheus over SSH");
// Each secret a Prometheus config reads from a file, and the stack setting that needs it.
const prometheusSecrets = prometheusSecretsNeeded(inventory).map((need) => ({
  ...need,
  value: requireSecretConfig(need.key, need.why),
}));
const basicAuthPassword = prometheusSecrets.find((s) => s.key === "exporterBasicAuthPassword")?.value;

// Built from exporter/src before anything is declared: a build error stops the run untouched.
const bundle = exporterBundle(__dirname);

const wireguardHosts = new Map(
  inventory.hosts.map((host) => [
    host.name,
    new WireGuardHost(host.name, {
      stack: inventory.stack,
      machine: machineOf(host),
      connection: sshConnection(inventory, { label: `host ${host.name}`, ...host }, privateKey),
      artifacts: artifacts.filter((a) => a.host === host.name),
      exporterBundle: { ...bundle, placement: EXPORTER_BUNDLE },
      installNode: installsNode(inventory, host),
      healthUrl: localHealthUrl(inventory.exporter),
      basicAuth: basicAuthPassword && { username: inventory.exporter.basicAuth.username, password: basicAuthPassword },
    }),
  ]),
);

const prometheusServers = inventory.prometheusServers.map((server, i) => {
  const component = prometheusComponent(server, i);
  return new PrometheusServer(component.name, {
    stack: inventory.stack,
    machine: machineOf(server),
    settings: server,
    connection: sshConnection(inventory, { label: component.name, ...server }, privateKey),
    artifacts: artifacts.filter((a) => a.prometheusServer === server.name),
    secretFiles: prometheusSecrets.map((s) => ({
      name: s.file,
      placement: secretFilePlacement(server, s.file),
      value: s.value,
    })),
    waitFor: server.hosts.map((h) => wireguardHosts.get(h.name)!.install),
    formerName: component.formerName,
  });
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
/** What the Prometheus step printed: one server's, or each listed server's by name. */
export const prometheusReport = inventory.prometheusServers[0]!.listed
  ? Object.fromEntries(prometheusServers.map((p, i) => [inventory.prometheusServers[i]!.name, p.apply.stdout]))
  : prometheusServers[0]!.apply.stdout;
export const grafanaFolder = dashboards?.folder.uid;
export const artifactCount = artifacts.length;
