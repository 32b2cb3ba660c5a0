// Which deployment owns a machine. A rename or a move makes the engine create the new resource and
// then run the OLD resource's delete (with the inputs in state); when old and new reach the same
// machine, that delete must not uninstall what the create just installed. So every install records
// its deployment in a marker file, and a delete removes nothing unless the marker still names it.
// A machine another stack owns is refused, so two stacks never fight over one exporter.
// One marker per role and machine suffices within a stack too: a host is one machine, and validation
// refuses two Prometheus servers of a stack on one machine (the same address and SSH port).
import { shellQuote } from "./shell";

export interface Deployment {
  stack: string;
  /** Component name in the stack, e.g. the host's name, `prometheus` or `prometheus-<server name>`. */
  component: string;
  /** What the component installs; one marker per role and machine. */
  role: "exporter" | "prometheus";
  /** `address:port` of the SSH target: a change is a move to another machine. */
  machine: string;
}

export const MARKER_DIR = "/var/lib/wireguard-monitoring";

function deploymentId(d: Deployment): string {
  return `${d.stack}/${d.component}@${d.machine}`;
}

function markerPath(d: Pick<Deployment, "role">): string {
  return `${MARKER_DIR}/${d.role}.deployment`;
}

/** Shell (as root, with `fail`): refuses a machine another stack deployed this role to. */
export function refuseOtherStack(d: Deployment): string {
  const marker = shellQuote(markerPath(d));
  return [
    `if [ -f ${marker} ] && [ "$(sed -n 1p ${marker})" != ${shellQuote(d.stack)} ]; then`,
    `  fail ${shellQuote(`the ${d.role} here belongs to stack`)} "'$(sed -n 1p ${marker})' ($(sed -n ` +
      `2p ${marker}));" 'remove it from that stack first (pulumi destroy there), or deploy this stack elsewhere'`,
    "fi",
  ].join("\n");
}

/** Shell (as root): records this deployment as the owner, atomically. */
export function claimMachine(d: Deployment): string {
  const marker = shellQuote(markerPath(d));
  return (
    `(umask 022; mkdir -p ${shellQuote(MARKER_DIR)}); printf ` +
    `'%s\\n%s\\n' ${shellQuote(d.stack)} ${shellQuote(deploymentId(d))} >${marker}.new && chmod ` +
    `0644 ${marker}.new && mv -f ${marker}.new ${marker}`
  );
}

/** Shell (as root): ends the script without removing anything when another deployment owns the machine now. */
export function leaveIfOwnedByAnother(d: Deployment): string {
  const marker = shellQuote(markerPath(d));
  return [
    `if [ -f ${marker} ] && [ "$(sed -n 2p ${marker})" != ${shellQuote(deploymentId(d))} ]; then`,
    `  echo ${shellQuote(`${d.role} on ${d.machine} is now deployed as`)} "$(sed ` +
      `-n 2p ${marker});" ${shellQuote(`${deploymentId(d)} leaves it in place`)}`,
    "  exit 0",
    "fi",
  ].join("\n");
}

/** Shell (as root): the marker goes, and its directory when empty. */
export function releaseMachine(d: Deployment): string {
  return `rm -f ${shellQuote(markerPath(d))}; rmdir ${shellQuote(MARKER_DIR)} 2>/dev/null || true`;
}
