// A Prometheus that is already on the test host before a stack is deployed: the Prometheus component
// only reconfigures it. Not enabled, so a restart of the host needs `systemctl start prometheus`.
export const PROMETHEUS_FIXTURE = `
mkdir -p /etc/prometheus /var/lib/prometheus /etc/filebeat
printf 'global:\\n  scrape_interval: 15s\\n' >/etc/prometheus/prometheus.yml
cat >/etc/systemd/system/prometheus.service <<'EOF'
[Unit]
Description=Prometheus (e2e fixture)
[Service]
ExecStart=/usr/bin/prometheus --config.file=/etc/prometheus/prometheus.yml --storage.tsdb.path=/var/lib/prometheus \\
  --web.listen-address=0.0.0.0:9090 --web.enable-lifecycle
EOF
systemctl daemon-reload && systemctl restart prometheus
# (no curl on the host) ready before anything sends it SIGHUP, which would otherwise end it
ready='fetch("http://127.0.0.1:9090/-/ready").then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))'
for i in $(seq 100); do node -e "$ready" && break; sleep 0.2; done
systemctl is-active prometheus`;
export const PROMETHEUS_FIXTURE_REMOVE =
  "systemctl stop prometheus 2>/dev/null; rm -rf /etc/systemd/system/prometheus.service " +
  "/etc/prometheus /var/lib/prometheus /etc/filebeat; systemctl daemon-reload";
