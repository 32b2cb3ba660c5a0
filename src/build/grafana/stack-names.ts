// The names a stack's dashboards and folder take in a Grafana that several stacks share: every uid
// and title carries the stack's environment, so staging and prod never write, link to or delete
// each other's dashboards. The committed dashboards keep the generic names.
import { keyPath, type ConfigError, type Inventory } from "../../model/index";

/** Each dashboard's generic name: its committed file name stem and uid, and the stem of every stack's uid. */
export const DASHBOARD_NAMES = { overview: "wireguard-overview", peer: "wireguard-peer" } as const;
type DashboardKey = keyof typeof DASHBOARD_NAMES;
export type DashboardUids = Record<DashboardKey, string>;

/** Grafana refuses longer dashboard and folder uids ("uid too long, max 40 characters"). */
export const GRAFANA_UID_MAX_LENGTH = 40;

/**
 * The folder's uid stem. Its own word after `wireguard-`, so that no environment name can make the
 * folder's uid equal a dashboard's (folders and dashboards share one uid space in Grafana).
 */
const FOLDER_UID_STEM = "wireguard-folder";

export function stackDashboardUids(environment: string): DashboardUids {
  return { overview: `${DASHBOARD_NAMES.overview}-${environment}`, peer: `${DASHBOARD_NAMES.peer}-${environment}` };
}

/** A dashboard's title in a stack: the generic title followed by the environment. */
export function stackDashboardTitle(title: string, environment: string | undefined): string {
  return environment === undefined ? title : `${title} (${environment})`;
}

/**
 * The stack's folder: uid from the environment, title from `grafana.folder` with the environment
 * added unless the title already names it. Grafana before 11.3 refuses two top-level folders
 * with the same title, so two stacks must not share one.
 */
export function stackFolder(inventory: Inventory): { uid: string; title: string } {
  const env = inventory.environment;
  const title = inventory.grafana.folder;
  const namesEnv = title
    .toLowerCase()
    .split(/[^a-z0-9-]+/)
    .includes(env);
  return { uid: `${FOLDER_UID_STEM}-${env}`, title: namesEnv ? title : `${title} (${env})` };
}

/** Problems with the stack's Grafana names, as config errors (empty when Grafana is disabled). */
export function grafanaNameErrors(inventory: Inventory): ConfigError[] {
  if (!inventory.grafana.enabled) return [];
  const env = inventory.environment;
  const uids = [...Object.values(stackDashboardUids(env)), stackFolder(inventory).uid];
  const longest = uids.reduce((a, b) => (b.length > a.length ? b : a));
  if (longest.length <= GRAFANA_UID_MAX_LENGTH) return [];
  const room = GRAFANA_UID_MAX_LENGTH - (longest.length - env.length);
  return [
    {
      path: keyPath(["environment"]),
      message:
        `"${env}" makes the Grafana uid "${longest}" ${longest.length} ` +
        `characters long; Grafana allows ${GRAFANA_UID_MAX_LENGTH}. ` +
        `Set ${keyPath(["environment"])} to a name of at most ${room} characters (without it, the stack name is used).`,
    },
  ];
}
