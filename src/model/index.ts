// The stack config: schema, validation, and the Inventory every builder reads.
export { durationSeconds } from "./durations";
export { formatErrors, keyPath, type ConfigError } from "./errors";
export {
  installsNode,
  peersOnHost,
  SINGLE_PROMETHEUS_NAME,
  type Host,
  type Inventory,
  type PrometheusServer,
} from "./inventory";
export { SECRET_KEYS, type SecretKey } from "./schema";
export { loadStackFile, parseStackFile } from "./stack-file";
export { validateStackConfig } from "./validate";
