// The Pulumi program: read the stack config, build the artifacts, declare the components.
import { inventoryFromPulumiConfig } from "./src/config/pulumi-config.js";
import { stackArtifacts } from "./src/render/stack-artifacts.js";

const inventory = inventoryFromPulumiConfig();
const artifacts = stackArtifacts(inventory);

export const environment = inventory.environment;
export const hosts = inventory.hosts.map((h) => h.name);
export const artifactCount = artifacts.length;
