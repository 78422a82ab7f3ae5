/**
 * Every population builder, by the scenario key (which is also its truth
 * label, passed to the builder as `ctx.population`; an extra population of
 * a scenario reuses a builder under its own label).
 */
import type { Num } from '../numbers.ts';
import type { PopulationKey, Populations } from '../scenario.ts';
import { buildCallBombers } from './callBombers.ts';
import { buildConsentedCentres } from './consentedCentres.ts';
import type { BuildContext } from './context.ts';
import { buildCouriers } from './couriers.ts';
import { buildDiallers } from './dialler.ts';
import { buildHarassers } from './harassers.ts';
import { buildInstitutions } from './institutions.ts';
import { buildOrganisers } from './organisers.ts';
import { buildQuarrels } from './quarrels.ts';
import { buildRingOnce } from './ringOnce.ts';
import { buildRobocallers } from './robocallers.ts';
import { buildSnowshoe } from './snowshoe.ts';
import { buildSubscribers } from './subscribers.ts';
import { buildUnconsentedCentres } from './unconsentedCentres.ts';

export type { BuildContext } from './context.ts';

/**
 * Builders in a fixed order (the order fixes the allocation of numbers).
 * The neighbours in campaign blocks (`blockNeighbours.ts`) are built apart,
 * after every other population, from the campaigns' numbers; then the
 * swarms of call bombers (`swarmBombers.ts`) and the busy lines' customers
 * (`busyLines.ts`), also apart, so that adding them changed no other record.
 */
export const BUILDERS: { [K in PopulationKey]: (ctx: BuildContext, cfg: Populations[K]) => Num[] } = {
  subscribers: buildSubscribers,
  couriers: buildCouriers,
  organisers: buildOrganisers,
  institutions: buildInstitutions,
  consentedCentres: buildConsentedCentres,
  quarrels: buildQuarrels,
  telemarketers: buildDiallers,
  lowAndSlow: buildDiallers,
  robocallers: buildRobocallers,
  harassers: buildHarassers,
  ringOnce: buildRingOnce,
  callBombers: buildCallBombers,
  unconsentedCentres: buildUnconsentedCentres,
  quietHours: buildDiallers,
  snowshoe: buildSnowshoe,
};
