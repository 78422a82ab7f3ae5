/**
 * How a stop's deadline (CALLGUARD_DETECTOR_STOP_TIMEOUT_MS) is shared
 * between the final checkpoint and leaving the consumer group.
 *
 * Leaving matters as much as the checkpoint: a member that exits without
 * leaving keeps its partitions for the group's session timeout (30 s), so
 * the other members wait that long before they take them. So the final
 * checkpoint may not use the whole deadline: it is given up at
 * {@link checkpointBudgetMs}, and the consumers disconnect (LeaveGroup)
 * within the reserve that is left. Leaving is one round trip to the group
 * coordinator per consumer (the group's and the consents reader's) plus the
 * reader's group deletion: milliseconds against a broker that answers. The
 * reserve is a quarter of the deadline, at most 5 s: 5 s of the default 30 s
 * (the checkpoint keeps 25 s), 500 ms of a 2 s deadline. A broker that does
 * not answer within that cannot be left anyway; the process then exits at
 * the deadline as before.
 */

/** Longest share of the stop's deadline kept for leaving the group. */
export const LEAVE_RESERVE_MAX_MS = 5_000;

/** The part of a stop's deadline kept for leaving the group: a quarter of it, at most {@link LEAVE_RESERVE_MAX_MS}. */
export function leaveReserveMs(deadlineMs: number): number {
  return Math.min(LEAVE_RESERVE_MAX_MS, Math.floor(deadlineMs / 4));
}

/** How long the final checkpoint may take within a stop's deadline: the deadline minus {@link leaveReserveMs}. */
export function checkpointBudgetMs(deadlineMs: number): number {
  return deadlineMs - leaveReserveMs(deadlineMs);
}
