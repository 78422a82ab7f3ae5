import { describe, expect, it } from 'vitest';
import { loadDetectorConfig } from './config.ts';
import { detectorEnv, runTopics } from './launch-env.ts';

describe('detectorEnv', () => {
  it('places a detector on the run topics, group, prefix, database and port, as its config reads them', () => {
    const topics = runTopics('run1');
    const r = loadDetectorConfig(detectorEnv({ topics, group: 'run1-g', redisPrefix: 'callguard:t:run1', database: 'cg_run1', port: 0 }));
    if (!r.ok) throw new Error(r.errors.join('; '));
    expect(r.config.topics).toEqual({ calls: 'run1.calls', complaints: 'run1.complaints', consents: 'run1.consents', flags: 'run1.flags', dlq: 'run1.dlq' });
    expect(r.config.kafka.group).toBe('run1-g');
    expect(r.config.redis.prefix).toBe('callguard:t:run1');
    expect(r.config.clickhouse.database).toBe('cg_run1');
    expect(r.config.http.port).toBe(0);
  });

  it('leaves the database to the default when none is given', () => {
    expect(detectorEnv({ topics: runTopics('x'), group: 'g', redisPrefix: 'p', port: 1 })).not.toHaveProperty('CALLGUARD_CLICKHOUSE_DATABASE');
  });
});
