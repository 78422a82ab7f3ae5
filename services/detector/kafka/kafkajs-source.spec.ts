import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { Kafka } from 'kafkajs';
import { KafkajsTopicReader } from './kafkajs-source.ts';

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
