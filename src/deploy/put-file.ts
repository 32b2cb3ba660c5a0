// How both install steps (host and Prometheus) put one file in place on their machine.
import type { Placement } from "../build/artifact";

/** A file on the install step's stdin, under its name there, and where it goes. */
export interface PlacedFile {
  name: string;
  placement: Placement;
}

/**
 * Shell (as root) defining `put SOURCE TARGET MODE GROUP RESTARTS`: installs only when content, mode
 * or owner differ, through a 0600 temporary file in the target's directory that gets its owner and
 * mode before it is renamed into place — so no reader ever sees a partial file, and a file that will
 * be 0640 is never readable by others, not even for a moment. Sets changed=1 and, unless RESTARTS is
 * "no", restart=1.
 */
export const PUT_FILE = [
  "changed=0 restart=0",
  "put() {",
  '  [ -f "$1" ] || fail "file $1 is missing"',
  '  if [ -f "$2" ] && cmp -s "$1" "$2" && [ "$(stat -c %a:%U:%G "$2")" = "${3#0}:root:$4" ]; then return 0; fi',
  '  (umask 022; mkdir -p "$(dirname "$2")")',
  '  rm -f "$2.wgm-new"; cp "$1" "$2.wgm-new" && chown "root:$4" "$2.wgm-new" && ' +
    'chmod "$3" "$2.wgm-new" && mv -f "$2.wgm-new" "$2" || fail "installing $2 failed"',
  '  changed=1; [ "$5" = no ] || restart=1',
  "}",
].join("\n");
