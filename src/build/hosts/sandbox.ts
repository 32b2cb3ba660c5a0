// systemd sandboxing both our units share: no devices, and no way to touch the clock, the host
// name, kernel tunables, modules, logs or cgroups. Each unit adds what fits its own job.

export const KERNEL_AND_HOST_PROTECTION = [
  "PrivateDevices=yes",
  "ProtectClock=yes",
  "ProtectHostname=yes",
  "ProtectKernelTunables=yes",
  "ProtectKernelModules=yes",
  "ProtectKernelLogs=yes",
  "ProtectControlGroups=yes",
] as const;
