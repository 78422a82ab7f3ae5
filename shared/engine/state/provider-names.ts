/** Entries of {@link ProviderNames}' cache of recent names (a power of two). */
const RECENT = 16;

/**
 * Access-provider names interned to small ids (1…65534; 0 = none or the
 * table is full), so a number's record holds its provider in 16 bits.
 * Probes repeat a few provider strings, taking turns, so recent lookups are
 * cached: a small table indexed by the name's length and last character
 * (see `recentSlot`), compared with `===`, in front of the map.
 */
export class ProviderNames {
  private readonly names: string[] = [''];
  private readonly ids = new Map<string, number>();
  private readonly recentNames: (string | null)[] = new Array<string | null>(RECENT).fill(null);
  private readonly recentIds = new Uint16Array(RECENT);

  /** The id of `name` (interned on first sight; 0 once 65,534 names are known). */
  id(name: string): number {
    const r = recentSlot(name);
    if (this.recentNames[r] === name) return this.recentIds[r];
    let id = this.ids.get(name);
    if (id === undefined) {
      id = this.names.length < 0xffff ? this.names.length : 0;
      if (id !== 0) {
        this.names.push(name);
        this.ids.set(name, id);
      }
    }
    this.recentNames[r] = name;
    this.recentIds[r] = id;
    return id;
  }

  /** The name of `id`, or null for 0. */
  name(id: number): string | null {
    return id === 0 ? null : (this.names[id] ?? null);
  }

  /** The names in id order (index 0 is the empty placeholder), for snapshots. */
  exportState(): string[] {
    return [...this.names];
  }

  /** Replaces the table with {@link exportState}'s output. */
  importState(names: string[]): void {
    this.names.length = 0;
    this.names.push(...names);
    this.ids.clear();
    this.names.forEach((n, i) => i > 0 && this.ids.set(n, i));
    this.recentNames.fill(null);
    this.recentIds.fill(0);
  }
}

/**
 * Where `name` sits in the cache of recent names: from its length and last character, which tell apart the few
 * providers that take turns (`provider-0` … `provider-4`, `China Mobile`, `China Unicom`…) without hashing the string.
 */
function recentSlot(name: string): number {
  return (name.length * 7 + name.charCodeAt(name.length - 1)) & (RECENT - 1);
}
