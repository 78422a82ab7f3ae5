import type { Rule } from '../signals.ts';
import { highFrequency } from './high-frequency.ts';
import { lowAnswerFanout } from './low-answer-fanout.ts';
import { shortCalls } from './short-calls.ts';
import { rejectionRepeat } from './rejection-repeat.ts';
import { ringOnce } from './ring-once.ts';
import { callBombing } from './call-bombing.ts';
import { swarmBombing } from './swarm-bombing.ts';
import { complaints } from './complaints.ts';
import { noConsent } from './no-consent.ts';
import { sequentialDialing } from './sequential-dialing.ts';
import { quietHours } from './quiet-hours.ts';
import { campaign } from './campaign.ts';

/** Every rule, in the order their reasons are listed. */
export const RULE_SET: readonly Rule[] = [
  rejectionRepeat,
  callBombing,
  swarmBombing,
  ringOnce,
  noConsent,
  lowAnswerFanout,
  sequentialDialing,
  campaign,
  complaints,
  quietHours,
  highFrequency,
  shortCalls,
];
