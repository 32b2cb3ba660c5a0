// The stack config: schema, validation, and the Inventory every builder reads.
export { durationSeconds, isDuration } from "./durations";
export { formatErrors, keyPath, PROJECT, type ConfigError } from "./errors";
export { installsNode, peersOnHost, scrapesHost, SINGLE_PROMETHEUS_NAME, type Host, type Inventory, type Peer, type PrometheusServer } from "./inventory";
export { SECRET_KEYS, type SecretKey } from "./schema";
export { loadStackFile, parseStackFile, projectConfigValues, stackFilePath, type LoadResult } from "./stack-file";
export { validateStackConfig, type ValidationResult } from "./validate";
