import { describe, expect, it } from 'vitest';
import { acceptedParam, clearViewJson, lookupHotPath, numberParam, type HotAnswer } from './lookup-fast-path.ts';
import { clearView } from './view.ts';
import { createEnforcerMetrics } from './metrics.ts';
import type { LabelReplica, StoredView } from './label-replica.ts';

/** A replica holding `views` (E.164 → JSON), complete unless `unknown` lists the number. */
function replicaOf(views: Record<string, string>, unknown: string[] = []): LabelReplica {
  return {
    get: (n) => (unknown.includes(n) ? undefined : (views[n] ?? null)),
    response: (n): StoredView | null | undefined =>
      unknown.includes(n) ? undefined : views[n] === undefined ? null : { body: views[n], bytes: Buffer.byteLength(views[n]), status: JSON.parse(views[n]).status },
    state: () => 'ready',
    size: () => Object.keys(views).length,
    bytes: () => 0,
    unknown: () => unknown.length,
    whenReady: async () => {},
    close: async () => {},
  };
}

describe('lookup fast path helpers', () => {
  it('builds exactly the JSON of the clear view', () => {
    for (const n of ['+8613812345678', '+12025550123', '+8610086']) expect(clearViewJson(n)).toBe(JSON.stringify(clearView(n)));
  });

  it('accepts what the route schema accepts and nothing else', () => {
    const pattern = /^[+0-9][0-9 ().-]*$/;
    const samples = ['13812345678', '+8613812345678', '+86 138-1234 5678', '(010) 1234', '12', '123', 'abc', "' OR 1=1 --", '+86+138', '1'.repeat(32), '1'.repeat(33), '-123', ' 123', '12\u00a034', ''];
    for (const s of samples) expect(acceptedParam(s), JSON.stringify(s)).toBe(s.length >= 3 && s.length <= 32 && pattern.test(s));
  });

  it('takes the parameter of /v1/numbers/{n} only, decoded', () => {
    expect(numberParam('/v1/numbers/13812345678')).toBe('13812345678');
    expect(numberParam('/v1/numbers/%2B8613812345678')).toBe('+8613812345678');
    expect(numberParam('/v1/numbers/+86%20138')).toBe('+86 138');
    expect(numberParam('/v1/numbers/138?x=1')).toBeNull();
    expect(numberParam('/v1/numbers/138/x')).toBeNull();
    expect(numberParam('/v1/numbers/%E0%A4%A')).toBeNull();
    expect(numberParam('/v1/number/138')).toBeNull();
    expect(numberParam('/healthz')).toBeNull();
  });
});

describe('lookupHotPath', () => {
  const blocked = JSON.stringify({ ...clearView('+8613800000001'), status: 'BLOCKED', blocked: true, verifiedBy: '张三' });
  const inRedis = JSON.stringify({ ...clearView('+8613800000003'), status: 'LABELED' });
  const metrics = createEnforcerMetrics();
  const redisReads: string[] = [];
  const store = {
    lookupJson: async (n: string) => {
      redisReads.push(n);
      if (n === '+8613800000009') throw new Error('connection refused');
      return n === '+8613800000003' ? inRedis : null;
    },
  };
  const hot = lookupHotPath({ replica: replicaOf({ '+8613800000001': blocked }, ['+8613800000003', '+8613800000004', '+8613800000009']), store, metrics });
  const now = (m: string, t: string) => hot(m, t) as HotAnswer | null;

  it('answers a stored view as stored, with its length in bytes', () => {
    const a = now('GET', '/v1/numbers/13800000001');
    expect(a?.body).toBe(blocked);
    expect(a?.bytes).toBe(Buffer.byteLength(blocked));
  });

  it('answers a number without a label with the clear view, in any form', () => {
    expect(JSON.parse(now('GET', '/v1/numbers/%2B8613800000002')!.body)).toEqual(clearView('+8613800000002'));
    expect(JSON.parse(now('GET', '/v1/numbers/0086%20138%200000%200002')!.body)).toEqual(clearView('+8613800000002'));
  });

  it('reads Redis when the replica cannot tell, and leaves a failed read to Fastify', async () => {
    expect(await hot('GET', '/v1/numbers/13800000003')).toEqual({ bytes: Buffer.byteLength(inRedis), body: inRedis });
    expect(JSON.parse((await hot('GET', '/v1/numbers/13800000004'))!.body)).toEqual(clearView('+8613800000004'));
    expect(await hot('GET', '/v1/numbers/13800000009')).toBeNull();
    expect(redisReads).toEqual(['+8613800000003', '+8613800000004', '+8613800000009']);
  });

  it('leaves to Fastify what it must answer: other methods and paths, bad numbers', () => {
    expect(hot('HEAD', '/v1/numbers/13800000001')).toBeNull();
    expect(hot('GET', '/v1/numbers/13800000001?x=1')).toBeNull();
    expect(hot('GET', '/healthz')).toBeNull();
    expect(hot('GET', '/v1/numbers/abc')).toBeNull();
    expect(hot('GET', '/v1/numbers/5555')).toBeNull(); // a local number without its area code
  });

  it('counts what it answers and where it read', async () => {
    const byStatus = Object.fromEntries((await metrics.lookups.get()).values.map((v) => [v.labels.status, v.value]));
    expect(byStatus).toEqual({ BLOCKED: 1, CLEAR: 3, LABELED: 1 });
    const reads = Object.fromEntries((await metrics.lookupReads.get()).values.map((v) => [v.labels.from, v.value]));
    expect(reads).toEqual({ replica: 3, redis: 3 });
  });
});
