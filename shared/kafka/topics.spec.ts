import { describe, expect, it } from 'vitest';
import { contractTopicSpecs, topicSpecsFor } from './topics.ts';

describe('topicSpecsFor', () => {
  it('gives exactly the topics named, calls and complaints on the partitions asked, consents compacted', () => {
    const specs = topicSpecsFor({ calls: 'r.calls', complaints: 'r.complaints', consents: 'r.consents', dlq: 'r.dlq' }, 7);
    expect(specs).toEqual([
      { topic: 'r.calls', numPartitions: 7 },
      { topic: 'r.complaints', numPartitions: 7 },
      { topic: 'r.consents', numPartitions: 4, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] },
      { topic: 'r.dlq', numPartitions: 1 },
    ]);
  });

  it('leaves the contract topics alone when none is named', () => {
    expect(topicSpecsFor({})).toEqual([]);
    expect(contractTopicSpecs().map((s) => s.topic)).toContain('callguard.calls.v1');
  });
});
