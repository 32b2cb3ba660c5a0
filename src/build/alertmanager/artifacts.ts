// out/<stack>/alertmanager/ when the stack sets alerting.route. Not installed by a component: an
// Alertmanager usually serves many sources and its receivers hold the team's own secrets.
import type { Inventory } from "../../model/index";
import type { Artifact } from "../artifact";
import { alertmanagerConfig, routeFragment } from "./config";

export const ROUTE_FRAGMENT_PATH = "alertmanager/wireguard-route.yml";
export const ALERTMANAGER_CONFIG_PATH = "alertmanager/alertmanager.yml";

export function alertmanagerArtifacts(inventory: Inventory): Artifact[] {
  const route = inventory.alerting.route;
  if (route === undefined) return [];
  return [
    { path: ROUTE_FRAGMENT_PATH, content: routeFragment(inventory, route), kind: "alertmanager" },
    { path: ALERTMANAGER_CONFIG_PATH, content: alertmanagerConfig(inventory, route), kind: "alertmanager" },
  ];
}
