/**
 * Cache-line alignment of the engine's large tables. JavaScript cannot see addresses, so this assumes where the
 * allocator puts an ArrayBuffer's bytes: Node's allocator calls glibc's calloc, which serves a large block
 * (above its mmap threshold, ≥ 128 KiB at first) from a fresh mmap, page aligned, behind glibc's 16-byte chunk
 * header, so the bytes start 16 bytes into a 64-byte cache line (measured on Node 20 / Linux by timing: a 64-byte
 * record straddled two lines). Views made {@link LINE_PAD} bytes into a buffer one line larger than needed then put
 * element 0, and so every record whose size divides or is a multiple of 64 bytes, on line boundaries.
 *
 * Only speed depends on the assumption: should the allocator place a buffer elsewhere (a small one from the heap,
 * another libc), records straddle lines as before, and every result is the same whatever the offset.
 */
export const CACHE_LINE = 64;
/** Bytes skipped at the start of an aligned table's buffer: 64 − glibc's 16-byte mmap chunk header. */
export const LINE_PAD = 48;

/** A zeroed `bytes`-long Uint8Array view starting {@link LINE_PAD} bytes into a buffer of `bytes + 64`. */
export function alignedBytes(bytes: number): Uint8Array {
  return new Uint8Array(new ArrayBuffer(bytes + CACHE_LINE), LINE_PAD, bytes);
}

/** A Float64Array view over the bytes of `u8` (its byteOffset and byteLength, not the whole buffer). */
export function f64Of(u8: Uint8Array): Float64Array {
  return new Float64Array(u8.buffer, u8.byteOffset, u8.byteLength >> 3);
}

export function u32Of(u8: Uint8Array): Uint32Array {
  return new Uint32Array(u8.buffer, u8.byteOffset, u8.byteLength >> 2);
}

export function u16Of(u8: Uint8Array): Uint16Array {
  return new Uint16Array(u8.buffer, u8.byteOffset, u8.byteLength >> 1);
}

/** The bytes of a typed array (its own range of its buffer). */
export function bytesOf(t: ArrayBufferView): Uint8Array {
  return new Uint8Array(t.buffer, t.byteOffset, t.byteLength);
}
