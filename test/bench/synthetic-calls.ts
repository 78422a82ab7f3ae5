/**
 * Synthetic call streams for benchmarks: a population of subscribers who
 * call their own contacts (a reciprocal graph: answered, minutes of talk), a few couriers
 * (many strangers, answered) and a few telemarketers (strangers, rarely
 * answered), in event-time order. Deterministic (seeded), generated in
 * chunks so that 10M events never sit in memory at once, and generated
 * before the timed section so the benchmark measures the engine alone.
 */
import type { CallEvent, CallOutcome } from '../../shared/contracts/records.ts';

export interface Population {
  numbers: number;
  /** Event-time calls per second across the network. */
  rate: number;
  seed: number;
  /** `sweep`: callers in turn (every number calls once per pass) — for memory per tracked number. */
  callers?: 'random' | 'sweep';
}

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class CallStream {
  private readonly rnd: () => number;
  private readonly e164: string[];
  private t = Date.UTC(2026, 10, 2, 0, 0, 0);
  private seq = 0;

  constructor(private readonly pop: Population) {
    this.rnd = mulberry32(pop.seed);
    this.e164 = new Array(pop.numbers);
    // Flat strings, as a decoder produces them ('+861' + digits would be a
    // rope, whose every character read goes through an extra indirection).
    for (let i = 0; i < pop.numbers; i++) this.e164[i] = Buffer.from('+861' + String(3_000_000_000 + i * 7), 'latin1').toString('latin1');
  }

  /** The next `n` events in event-time order. */
  chunk(n: number): CallEvent[] {
    const out: CallEvent[] = new Array(n);
    const N = this.pop.numbers;
    const step = 1000 / this.pop.rate;
    for (let i = 0; i < n; i++) {
      this.t += step;
      const r = this.rnd();
      const callerIdx = this.pop.callers === 'sweep' ? this.seq % N : Math.floor(this.rnd() * N);
      const kind = callerIdx % 100; // 0: telemarketer, 1–2: courier, rest: subscriber
      let calleeIdx: number;
      let answered: boolean;
      let talk: number;
      if (kind === 0) {
        calleeIdx = Math.floor(this.rnd() * N);
        answered = r < 0.15;
        talk = 8;
      } else if (kind <= 2) {
        calleeIdx = Math.floor(this.rnd() * N);
        answered = r < 0.8;
        talk = 40;
      } else {
        // One of 20 contacts, reciprocal: i's contacts are i ± k·7919, so j = i + d has i among its own.
        const d = (1 + Math.floor(r * 10)) * 7919;
        calleeIdx = (((this.rnd() < 0.5 ? callerIdx + d : callerIdx - d) % N) + N) % N;
        answered = r < 0.85;
        talk = 120;
      }
      const start = Math.round(this.t);
      const outcome: CallOutcome = answered ? 'ANSWERED' : r < 0.9 ? 'NO_ANSWER' : 'REJECTED';
      out[i] = {
        eventId: 'b' + this.seq++,
        probeId: 'probe-1',
        caller: this.e164[callerIdx],
        callee: this.e164[calleeIdx],
        startTime: start,
        answerTime: answered ? start + 6000 : null,
        endTime: start + 6000 + (answered ? talk * 1000 : 20000),
        outcome,
        releaseCause: answered ? 200 : 480,
        accessProvider: 'provider-' + (callerIdx % 5),
      };
    }
    return out;
  }
}
