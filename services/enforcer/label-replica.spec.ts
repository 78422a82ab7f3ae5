import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';

/**
 * A fake ioredis for the replica's two connections: the label keys live in
 * `fake.store`; the tracking connection is the first client made, and a test
 * pushes invalidations on it as Redis would (`messageBuffer` on
 * `__redis__:invalidate`).
 */
const fake = vi.hoisted(() => ({ store: new Map<string, string>(), clients: [] as unknown[], reads: 0 }));

vi.mock('ioredis', async () => {
  const { EventEmitter } = await import('node:events');
  class Redis extends EventEmitter {
    constructor() {
      super();
      fake.clients.push(this);
    }
    async connect() {
      setImmediate(() => this.emit('ready'));
    }
    async client() {
      return 1;
    }
    async call() {
      return 'OK';
    }
    async subscribe() {
      return 1;
    }
    async scan(_cursor: string, _match: string, pattern: string) {
      const prefix = pattern.slice(0, -1);
      return ['0', [...fake.store.keys()].filter((k) => k.startsWith(prefix))];
    }
    pipeline() {
      const ops: Array<['get' | 'expiretime', string]> = [];
      const p = {
        get: (k: string) => (ops.push(['get', k]), p),
        call: (_c: string, k: string) => (ops.push(['expiretime', k]), p),
        exec: async () => {
          fake.reads += ops.length / 2;
          return ops.map(([op, k]) => [null, op === 'get' ? (fake.store.get(k) ?? null) : fake.store.has(k) ? -1 : -2]);
        },
      };
      return p;
    }
    disconnect() {}
  }
  return { Redis };
});

const { startLabelReplica } = await import('./label-replica.ts');

const PREFIX = 'callguard:label:';
const VIEW = '{"status":"LABELED"}';
const num = (i: number) => `+86139${String(i).padStart(8, '0')}`;
const tick = () => new Promise((r) => setTimeout(r, 20));

/** Pushes an invalidation of these numbers' label keys on the tracking connection. */
function invalidate(numbers: string[]): void {
  (fake.clients[0] as EventEmitter).emit('messageBuffer', Buffer.from('__redis__:invalidate'), numbers.map((n) => Buffer.from(PREFIX + n)));
}

afterEach(() => {
  fake.store.clear();
  fake.clients.length = 0;
  fake.reads = 0;
});

describe('label replica', () => {
  it('re-reads invalidated labels while on', async () => {
    fake.store.set(PREFIX + num(1), VIEW);
    const r = startLabelReplica({ redisUrl: 'redis://fake', labelPrefix: PREFIX, maxEntries: 10 });
    await r.whenReady();
    expect(r.state()).toBe('ready');
    expect(r.get(num(1))).toBe(VIEW);
    fake.store.set(PREFIX + num(2), VIEW);
    invalidate([num(2)]);
    expect(r.get(num(2))).toBeUndefined(); // unknown until re-read
    await tick();
    expect(r.unknown()).toBe(0);
    expect(r.get(num(2))).toBe(VIEW);
    await r.close();
  });

  // docs/enforcer.md: until its new value is back, the key is unknown and its lookups read Redis. The hot path's
  // response() must say "unknown" (undefined), not CLEAR (null), or a number just blocked would be let through.
  it('response() of an invalidated number is undefined (read Redis), not null (CLEAR), until the re-read', async () => {
    fake.store.set(PREFIX + num(3), '{"status":"PENDING_VERIFICATION"}');
    const r = startLabelReplica({ redisUrl: 'redis://fake', labelPrefix: PREFIX, maxEntries: 10 });
    await r.whenReady();
    fake.store.set(PREFIX + num(3), '{"status":"BLOCKED","blocked":true}');
    invalidate([num(3)]);
    expect(r.response(num(3))).toBeUndefined();
    await tick();
    expect(r.response(num(3))?.status).toBe('BLOCKED');
    await r.close();
  });

  it('once off (more labels than maxEntries), keeps nothing of later invalidations: no unbounded pending set, no re-reads', async () => {
    for (const i of [1, 2, 3]) fake.store.set(PREFIX + num(i), VIEW);
    const r = startLabelReplica({ redisUrl: 'redis://fake', labelPrefix: PREFIX, maxEntries: 2 });
    await r.whenReady();
    expect(r.state()).toBe('off');
    const reads = fake.reads;
    for (let i = 0; i < 20; i++) invalidate(Array.from({ length: 500 }, (_, j) => num(100 + i * 500 + j)));
    await tick();
    expect(r.state()).toBe('off');
    expect(r.unknown()).toBe(0);
    expect(r.size()).toBe(0);
    expect(fake.reads).toBe(reads);
    expect(r.get(num(100))).toBeUndefined(); // every lookup reads Redis
    // Off is for good: a flush does not bring it back (nor load anything).
    (fake.clients[0] as EventEmitter).emit('messageBuffer', Buffer.from('__redis__:invalidate'), null);
    await tick();
    expect(r.state()).toBe('off');
    expect(fake.reads).toBe(reads);
    await r.close();
  });

  it('turns off when invalidations bring more labels than maxEntries, and then accumulates nothing', async () => {
    const r = startLabelReplica({ redisUrl: 'redis://fake', labelPrefix: PREFIX, maxEntries: 2 });
    await r.whenReady();
    expect(r.state()).toBe('ready');
    for (const i of [1, 2, 3]) fake.store.set(PREFIX + num(i), VIEW);
    invalidate([num(1), num(2), num(3)]);
    await tick();
    expect(r.state()).toBe('off');
    invalidate(Array.from({ length: 1000 }, (_, j) => num(1000 + j)));
    await tick();
    expect(r.unknown()).toBe(0);
    await r.close();
  });
});
