import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { Kafka } from 'kafkajs';
import { groupMoved, KafkajsGroupSource, KafkajsTopicReader } from './kafkajs-source.ts';
import { CommitRefusedByGroup } from './source.ts';

/** A kafkajs client whose consumer's instrumentation events a test emits (nothing is connected). */
function fakeKafka() {
  const consumer = Object.assign(new EventEmitter(), {
    events: { GROUP_JOIN: 'consumer.group_join', END_BATCH_PROCESS: 'consumer.end_batch_process', CRASH: 'consumer.crash' },
  });
  const kafka = { consumer: () => consumer, admin: () => ({}) } as unknown as Kafka;
  const emit = (event: keyof typeof consumer.events, payload: object) => consumer.emit(consumer.events[event], { payload });
  return { kafka, emit };
}

describe('KafkajsTopicReader', () => {
  it('caughtUp rejects when its consumer crashes for good before catching up (kafkajs will not restart it: the start would wait forever)', async () => {
    const { kafka, emit } = fakeKafka();
    const reader = new KafkajsTopicReader(kafka, 'consents', 'g');
    emit('CRASH', { error: new Error('Not authorized to access group'), restart: false });
    await expect(reader.caughtUp).rejects.toThrow(/consents reader failed and will not restart: Not authorized to access group/);
  });

  it('a crash kafkajs restarts from leaves caughtUp pending', async () => {
    const { kafka, emit } = fakeKafka();
    const reader = new KafkajsTopicReader(kafka, 'consents', 'g');
    emit('CRASH', { error: new Error('Connection error'), restart: true });
    const r = await Promise.race([reader.caughtUp.then(() => 'resolved', () => 'rejected'), new Promise((res) => setTimeout(() => res('pending'), 50))]);
    expect(r).toBe('pending');
  });

  it('a crash kafkajs does not restart from after caught up resolves failed (the detector stops on it)', async () => {
    const { kafka, emit } = fakeKafka();
    const reader = new KafkajsTopicReader(kafka, 'consents', 'g');
    emit('CRASH', { error: new Error('Connection error'), restart: true });
    const pending = await Promise.race([reader.failed.then(() => 'failed'), new Promise((res) => setTimeout(() => res('pending'), 50))]);
    expect(pending).toBe('pending');
    emit('CRASH', { error: new Error('The group member\'s supported protocols are incompatible'), restart: false });
    expect((await reader.failed).message).toMatch(/consents reader failed and will not restart: The group member's supported protocols/);
  });
});

describe('groupMoved', () => {
  /** A kafkajs protocol error as the coordinator's answer gives it (the type is what kafkajs names the error code). */
  const protocolError = (type: string, message: string) => Object.assign(new Error(message), { name: 'KafkaJSProtocolError', type });

  it.each(['ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID', 'REBALANCE_IN_PROGRESS', 'FENCED_INSTANCE_ID'])('%s: the group moved on', (type) => {
    expect(groupMoved(protocolError(type, 'refused'))).toBe(true);
  });

  it('finds it under a retry error (originalError) or a cause', () => {
    const inner = protocolError('REBALANCE_IN_PROGRESS', 'The group is rebalancing, so a rejoin is needed');
    expect(groupMoved(Object.assign(new Error('retries exceeded'), { name: 'KafkaJSNumberOfRetriesExceeded', originalError: inner }))).toBe(true);
    expect(groupMoved(new Error('wrapped', { cause: inner }))).toBe(true);
  });

  it('anything else is not: a lost connection, another protocol error, a non-error', () => {
    expect(groupMoved(new Error('Connection error: connect ECONNREFUSED'))).toBe(false);
    expect(groupMoved(protocolError('COORDINATOR_NOT_AVAILABLE', 'The coordinator is not available'))).toBe(false);
    expect(groupMoved(protocolError('GROUP_AUTHORIZATION_FAILED', 'Not authorized to access group'))).toBe(false);
    expect(groupMoved(undefined)).toBe(false);
    expect(groupMoved('ILLEGAL_GENERATION')).toBe(false);
  });
});

describe('KafkajsGroupSource.commit', () => {
  /** A group source over a fake consumer that records commits and pauses; a test emits its events. */
  function groupSource() {
    const commits: unknown[] = [];
    const consumer = Object.assign(new EventEmitter(), {
      events: { GROUP_JOIN: 'consumer.group_join', FETCH: 'consumer.fetch', CRASH: 'consumer.crash' },
      pause: () => {},
      commitOffsets: async (o: unknown) => void commits.push(o),
    });
    const kafka = { consumer: () => consumer, admin: () => ({}) } as unknown as Kafka;
    const source = new KafkajsGroupSource(kafka, { groupId: 'g', topics: ['calls'], fromBeginning: true });
    source.events$.subscribe(() => {});
    const emit = (event: keyof typeof consumer.events, payload: object) => consumer.emit(consumer.events[event], { payload });
    return { source, commits, emit };
  }
  const offsets = [{ topic: 'calls', partition: 0, offset: 5 }];

  it('commits through kafkajs while the consumer is a member', async () => {
    const { source, commits, emit } = groupSource();
    emit('GROUP_JOIN', { memberAssignment: { calls: [0] } });
    await source.commit(offsets);
    expect(commits).toEqual([[{ topic: 'calls', partition: 0, offset: '5' }]]);
  });

  it('after a crash kafkajs restarts from, refuses until the group is joined again (kafkajs would resolve having committed nothing)', async () => {
    const { source, commits, emit } = groupSource();
    emit('GROUP_JOIN', { memberAssignment: { calls: [0] } });
    emit('CRASH', { error: new Error('Connection error'), restart: true });
    await expect(source.commit(offsets)).rejects.toBeInstanceOf(CommitRefusedByGroup);
    expect(commits).toEqual([]);
    emit('GROUP_JOIN', { memberAssignment: { calls: [0] } });
    await source.commit(offsets);
    expect(commits).toHaveLength(1);
  });

  it("a crash kafkajs does not restart from leaves the commit to kafkajs, whose error is the stop's", async () => {
    const { source, commits, emit } = groupSource();
    emit('GROUP_JOIN', { memberAssignment: { calls: [0] } });
    emit('CRASH', { error: new Error('Not authorized to access group'), restart: false });
    await source.commit(offsets);
    expect(commits).toHaveLength(1);
  });
});
