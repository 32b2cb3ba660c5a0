// File names in a Prometheus server's secretsDir: the generated configs name them in password_file,
// the deploy writes the secrets there. A password itself never appears in a generated file.
export const PASSWORD_FILE = "wireguard-exporter-password";
export const ALERTMANAGER_PASSWORD_FILE = "wireguard-alertmanager-password";
export const REMOTE_WRITE_PASSWORD_FILE = "wireguard-remote-write-password";
