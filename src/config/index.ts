// The stack config: schema, validation, and the Inventory every builder reads.
export { durationSeconds, isDuration } from "./durations.js";
export { formatErrors, keyPath, PROJECT, type ConfigError } from "./errors.js";
export { installsNode, peersOnHost, type Host, type Inventory, type Peer } from "./inventory.js";
export { SECRET_KEYS, type SecretKey } from "./schema.js";
export { loadStackFile, parseStackFile, projectConfigValues, stackFilePath, type LoadResult } from "./stack-file.js";
export { validateStackConfig, type ValidationResult } from "./validate.js";
