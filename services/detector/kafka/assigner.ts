/**
 * A consumer-group assigner that keeps partition numbers together: every
 * subscribed topic's partition p goes to the same member. Calls (keyed by
 * caller) and complaints (keyed by reported number) with the same partition
 * count put a number's calls and complaints in the same partition number,
 * so one engine per partition number sees both. Partition numbers are dealt
 * round-robin over the members sorted by id.
 */
import { AssignerProtocol, type PartitionAssigner } from 'kafkajs';

/** Name under which members agree on this assigner. */
export const CO_PARTITIONED_ASSIGNER = 'CallguardCoPartitioned';

/**
 * Pure assignment: member id → topic → partitions. `partitions` lists each
 * topic's partition ids; partition number p of every topic goes to member
 * `sorted(members)[rank(p) % members.length]`.
 */
export function coPartitionedAssignment(members: string[], partitions: Record<string, number[]>): Record<string, Record<string, number[]>> {
  const sorted = [...members].sort();
  const numbers = [...new Set(Object.values(partitions).flat())].sort((a, b) => a - b);
  const owner = new Map(numbers.map((p, i) => [p, sorted[i % sorted.length]]));
  const out: Record<string, Record<string, number[]>> = {};
  for (const m of sorted) out[m] = {};
  for (const [topic, ids] of Object.entries(partitions)) {
    for (const p of [...ids].sort((a, b) => a - b)) {
      const m = owner.get(p)!;
      (out[m][topic] ??= []).push(p);
    }
  }
  return out;
}

/** The kafkajs form of {@link coPartitionedAssignment}. */
export const CoPartitionedAssigner: PartitionAssigner = ({ cluster }) => ({
  name: CO_PARTITIONED_ASSIGNER,
  version: 0,
  async assign({ members, topics }) {
    const partitions: Record<string, number[]> = {};
    for (const topic of topics) partitions[topic] = cluster.findTopicPartitionMetadata(topic).map((m) => m.partitionId);
    const assignment = coPartitionedAssignment(
      members.map((m) => m.memberId),
      partitions,
    );
    return Object.entries(assignment).map(([memberId, a]) => ({
      memberId,
      memberAssignment: AssignerProtocol.MemberAssignment.encode({ version: 0, assignment: a, userData: Buffer.alloc(0) }),
    }));
  },
  protocol({ topics }) {
    return { name: CO_PARTITIONED_ASSIGNER, metadata: AssignerProtocol.MemberMetadata.encode({ version: 0, topics, userData: Buffer.alloc(0) }) };
  },
});
