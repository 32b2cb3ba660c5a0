// Growing typed-array columns (peer table, key index, event state).

export type Column = Uint32Array | Uint16Array | Uint8Array | Int32Array | Float64Array;

type ColumnClass<T> = { new (n: number): T; new (b: ArrayBuffer, at: number, n: number): T; BYTES_PER_ELEMENT: number };

/**
 * A bigger copy of a column whose new rows are not zero-filled (for columns where every row is
 * written before it is read): memory the kernel has not handed out yet is only touched as rows
 * are added.
 */
export function grown<T extends Column>(a: T, capacity: number): T {
  const C = a.constructor as ColumnClass<T>;
  const b = new C(Buffer.allocUnsafeSlow(capacity * C.BYTES_PER_ELEMENT).buffer as ArrayBuffer, 0, capacity);
  b.set(a);
  return b;
}

/** A bigger copy of a column whose new rows are 0. */
export function grownZeroed<T extends Column>(a: T, capacity: number): T {
  const b = new (a.constructor as ColumnClass<T>)(capacity);
  b.set(a);
  return b;
}
