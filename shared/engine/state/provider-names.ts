/**
 * Access-provider names interned to small ids (1…65534; 0 = none or the
 * table is full), so a number's record holds its provider in 16 bits.
 * Probes repeat the same provider strings, so the last lookup is remembered.
 */
export class ProviderNames {
  private readonly names: string[] = [''];
  private readonly ids = new Map<string, number>();
  private last: string | null = null;
  private lastId = 0;

  /** The id of `name` (interned on first sight; 0 once 65,534 names are known). */
  id(name: string): number {
    if (name === this.last) return this.lastId;
    let id = this.ids.get(name);
    if (id === undefined) {
      id = this.names.length < 0xffff ? this.names.length : 0;
      if (id !== 0) {
        this.names.push(name);
        this.ids.set(name, id);
      }
    }
    this.last = name;
    this.lastId = id;
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
    this.last = null;
    this.lastId = 0;
  }
}
