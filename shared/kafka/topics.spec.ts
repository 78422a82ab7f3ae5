import { describe, expect, it } from 'vitest';
import { contractTopicSpecs, topicNamesFromEnv, topicSpecsFor } from './topics.ts';

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

describe('topicNamesFromEnv', () => {
  it('renames the contract topics the CALLGUARD_TOPIC_* variables name, blanks keeping the contract name', () => {
    const names = topicNamesFromEnv({ CALLGUARD_TOPIC_CALLS: 'acme.calls', CALLGUARD_TOPIC_FLAGS: ' acme.flags ', CALLGUARD_TOPIC_DLQ: '  ', OTHER: 'x' });
    expect(names).toEqual({ calls: 'acme.calls', flags: 'acme.flags' });
    expect(contractTopicSpecs(names).map((s) => s.topic)).toEqual(['acme.calls', 'callguard.complaints.v1', 'callguard.consents.v1', 'acme.flags', 'callguard.reviews.v1', 'callguard.dlq.v1']);
  });
});
