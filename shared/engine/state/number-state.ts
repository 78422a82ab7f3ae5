import { WindowedCounters } from './windowed-counters.ts';

/**
 * Per-number scalar state, one entry ("slot") per tracked number, as
 * parallel typed arrays (struct of arrays): no object per number, no GC
 * pressure, and the whole store is a handful of buffers that snapshot
 * cheaply. Freed slots are reused through a free list. Times are seconds.
 */
export class NumberState {
  capacity: number;
  key: Float64Array;
  lastSeen: Uint32Array;
  numberClass: Uint8Array;
  /** Bit 0: marketing line. */
  kind: Uint8Array;
  lastCallee: Float64Array;
  /** Misra–Gries heavy hitter of access providers (interned ids). */
  provider: Uint16Array;
  providerCount: Uint16Array;
  /** Largest call-bombing run at one stranger, and when it was seen. */
  bombMax: Uint16Array;
  bombAt: Uint32Array;
  /** Most attempts after an explicit rejection at one stranger, and when. */
  rrMax: Uint16Array;
  rrAt: Uint32Array;
  /** Severity rank of the last flag (0 none), its time and its evidence episode start. */
  lastSeverity: Uint8Array;
  lastFlagAt: Uint32Array;
  episodeStart: Uint32Array;
  /** Campaign group id + 1 (0 none) and the day the number last joined it. */
  group: Int32Array;
  groupDay: Uint32Array;
  readonly counters: WindowedCounters;
  private used = 0;
  private readonly free: number[] = [];

  constructor(initialCapacity = 1 << 16) {
    this.capacity = initialCapacity;
    this.key = new Float64Array(initialCapacity);
    this.lastSeen = new Uint32Array(initialCapacity);
    this.numberClass = new Uint8Array(initialCapacity);
    this.kind = new Uint8Array(initialCapacity);
    this.lastCallee = new Float64Array(initialCapacity);
    this.provider = new Uint16Array(initialCapacity);
    this.providerCount = new Uint16Array(initialCapacity);
    this.bombMax = new Uint16Array(initialCapacity);
    this.bombAt = new Uint32Array(initialCapacity);
    this.rrMax = new Uint16Array(initialCapacity);
    this.rrAt = new Uint32Array(initialCapacity);
    this.lastSeverity = new Uint8Array(initialCapacity);
    this.lastFlagAt = new Uint32Array(initialCapacity);
    this.episodeStart = new Uint32Array(initialCapacity);
    this.group = new Int32Array(initialCapacity);
    this.groupDay = new Uint32Array(initialCapacity);
    this.counters = new WindowedCounters(initialCapacity);
  }

  /** Bytes of state per slot (the counters included). */
  static bytesPerSlot(): number {
    return 8 + 4 + 1 + 1 + 8 + 2 + 2 + 2 + 4 + 2 + 4 + 1 + 4 + 4 + 4 + 4 + WindowedCounters.bytesPerSlot();
  }

  get bytes(): number {
    return this.capacity * NumberState.bytesPerSlot();
  }

  /** Slots in use. */
  get size(): number {
    return this.used - this.free.length;
  }

  /** The high-water mark of slots ever used (iterate 0..end). */
  get end(): number {
    return this.used;
  }

  allocate(key: number): number {
    const slot = this.free.length > 0 ? (this.free.pop() as number) : this.used++;
    if (slot >= this.capacity) this.resize(this.capacity * 2);
    this.reset(slot);
    this.key[slot] = key;
    return slot;
  }

  release(slot: number): void {
    this.key[slot] = 0;
    this.free.push(slot);
  }

  private reset(slot: number): void {
    this.lastSeen[slot] = 0;
    this.numberClass[slot] = 0;
    this.kind[slot] = 0;
    this.lastCallee[slot] = 0;
    this.provider[slot] = 0;
    this.providerCount[slot] = 0;
    this.bombMax[slot] = 0;
    this.bombAt[slot] = 0;
    this.rrMax[slot] = 0;
    this.rrAt[slot] = 0;
    this.lastSeverity[slot] = 0;
    this.lastFlagAt[slot] = 0;
    this.episodeStart[slot] = 0;
    this.group[slot] = 0;
    this.groupDay[slot] = 0;
    this.counters.clear(slot);
  }

  private resize(capacity: number): void {
    const grow = <T extends Float64Array | Uint32Array | Uint16Array | Uint8Array | Int32Array>(a: T): T => {
      const b = new (a.constructor as new (n: number) => T)(capacity);
      b.set(a);
      return b;
    };
    this.key = grow(this.key);
    this.lastSeen = grow(this.lastSeen);
    this.numberClass = grow(this.numberClass);
    this.kind = grow(this.kind);
    this.lastCallee = grow(this.lastCallee);
    this.provider = grow(this.provider);
    this.providerCount = grow(this.providerCount);
    this.bombMax = grow(this.bombMax);
    this.bombAt = grow(this.bombAt);
    this.rrMax = grow(this.rrMax);
    this.rrAt = grow(this.rrAt);
    this.lastSeverity = grow(this.lastSeverity);
    this.lastFlagAt = grow(this.lastFlagAt);
    this.episodeStart = grow(this.episodeStart);
    this.group = grow(this.group);
    this.groupDay = grow(this.groupDay);
    this.counters.resize(capacity);
    this.capacity = capacity;
  }
}
