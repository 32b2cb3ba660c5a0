// The WireGuard public key format: 32 bytes as 44 characters of standard base64, the last one "=".
// The stack config, the peers file the generator writes, the exporter's reader of it and the
// importer all check keys with this module; the exporter's dump parser checks the bytes wg prints.
// Pure: no imports, no I/O.

/** Characters of a key: 43 base64 digits and "=". */
export const WIREGUARD_KEY_LENGTH = 44;

const DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** BASE64_DIGIT[c] is 1 for the character codes of A-Z a-z 0-9 + /, else 0. */
export const BASE64_DIGIT = new Uint8Array(256);
/**
 * KEY_LAST_DIGIT[c] is 1 for the digits that may stand before the "=": 43 digits carry 258 bits,
 * and wg (key_from_base64) refuses a key whose 2 bits past the 32 bytes are not zero, so such a
 * text never names a key wg shows.
 */
export const KEY_LAST_DIGIT = new Uint8Array(256);
for (let i = 0; i < DIGITS.length; i++) {
  BASE64_DIGIT[DIGITS.charCodeAt(i)] = 1;
  if ((i & 3) === 0) KEY_LAST_DIGIT[DIGITS.charCodeAt(i)] = 1;
}

const EQUALS = 61;

/** Whether `text` is a WireGuard key as wg writes and reads it. */
export function isWireGuardKey(text: string): boolean {
  if (typeof text !== "string" || text.length !== WIREGUARD_KEY_LENGTH || text.charCodeAt(43) !== EQUALS) return false;
  // charCodeAt is at most 0xffff: codes above 255 index past the table and read undefined.
  for (let i = 0; i < 42; i++) if (BASE64_DIGIT[text.charCodeAt(i)] !== 1) return false;
  return KEY_LAST_DIGIT[text.charCodeAt(42)] === 1;
}

/** isWireGuardKey for the bytes bytes[from, to) (ASCII; any other byte is refused). */
export function isWireGuardKeyAt(bytes: Uint8Array, from: number, to: number): boolean {
  if (to - from !== WIREGUARD_KEY_LENGTH || bytes[from + 43] !== EQUALS) return false;
  for (let i = from; i < from + 42; i++) if (BASE64_DIGIT[bytes[i]!] !== 1) return false;
  return KEY_LAST_DIGIT[bytes[from + 42]!] === 1;
}
