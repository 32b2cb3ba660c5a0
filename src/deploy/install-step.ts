// The one remote.Command each component runs on its machine, and how its inputs are chosen so that
// `pulumi up` after an edit is an update, never a replace. Provider behaviour relied on
// (pulumi/pulumi-command v1.2.1):
// - provider/pkg/provider/common/inputs.go:10: only `triggers` is `replaceOnChanges` (and
//   sdk/nodejs/remote/command.ts:211 adds `replaceOnChanges: ["triggers[*]"]` to every Command), so a
//   change of create/update/delete/stdin/connection is an update;
// - provider/pkg/provider/remote/commandController.go:63-83: an update runs `update` (else `create`)
//   with the NEW inputs; :86-92: a delete runs `delete` from the OLD state, connection included;
// - provider/pkg/provider/remote/commandOutputs.go:73-75: `stdin` is written to the session's stdin.
// Triggers therefore hold only the machine (address:port): a move to another machine is a replace,
// created on the new machine before the old one's delete runs on the old machine.
import * as pulumi from "@pulumi/pulumi";
import { remote } from "@pulumi/command";
import type { Connection } from "./connection";
import { filesOnStdin } from "./stdin-files";

export interface InstallStepArgs {
  connection: Connection;
  /** `address:port` of the SSH target. */
  machine: string;
  /** Runs for create and update (idempotent). */
  install: string;
  /** Runs for delete, with the inputs in state. */
  remove: string;
  /** The files the install reads from stdin (filesOnStdin); stdin is secret when any of them is. */
  files: { name: string; content: pulumi.Input<string> }[];
  dependsOn?: pulumi.Resource[];
  /** Names it had before (same type, same parent type), so that a rename is an update of the same resource. */
  formerNames?: string[];
}

export function installStep(parent: pulumi.Resource, name: string, args: InstallStepArgs): remote.Command {
  return new remote.Command(
    name,
    {
      connection: args.connection,
      create: args.install,
      update: args.install,
      delete: args.remove,
      stdin: pulumi
        .all(args.files.map((f) => f.content))
        .apply((texts) => filesOnStdin(texts.map((content, i) => ({ name: args.files[i]!.name, content })))),
      triggers: [args.machine],
      addPreviousOutputInEnv: false,
      logging: remote.Logging.StdoutAndStderr,
    },
    {
      parent,
      dependsOn: args.dependsOn,
      additionalSecretOutputs: ["stdout", "stderr"],
      ...(args.formerNames?.length ? { aliases: args.formerNames.map((n) => ({ name: n })) } : {}),
    },
  );
}
