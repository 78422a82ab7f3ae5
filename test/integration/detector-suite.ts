/**
 * The set-up a detector test file used to write out each time, written
 * once: `scenarioSuite(options, { timeoutMs })` registers a `beforeAll`
 * that prepares the scenario (`prepareScenario` in detector-harness.ts) and
 * an `afterAll` that disposes of it (detectors killed, fixture and files
 * removed), and returns the prepared scenario for the tests to read
 * (`const { f, s, expected } = sc` inside a test). Called at the top of a
 * file it serves the file; inside a `describe`, that block.
 */
import { afterAll, beforeAll } from 'vitest';
import type { FlagEvent } from '../../shared/contracts/records.ts';
import { prepareScenario, type DetectorProcess, type Fixture, type PreparedScenario, type Scenario, type ScenarioOptions } from './detector-harness.ts';

/** Hooks' timeouts and what the teardown does besides disposing. */
export interface SuiteOptions {
  /** Timeout of the `beforeAll` (simulate, replay and produce take a while). */
  timeoutMs: number;
  /** Timeout of the `afterAll` (vitest's hook timeout when absent). */
  teardownTimeoutMs?: number;
  /**
   * The teardown, when more than `dispose()` is needed: what must be put back
   * before the fixture can be removed, or ended after. Called even when the
   * preparation failed (dispose then does nothing).
   */
  teardown?: (dispose: () => Promise<void>) => Promise<void>;
}

/** A scenario prepared before a file's (or a block's) tests; readable once its `beforeAll` has run. */
export type ScenarioSuite = Pick<PreparedScenario, 'f' | 's' | 'expected' | 'detectors' | 'start'>;

/**
 * Prepares a scenario before the tests of the file or block it is called in
 * and disposes of it after them. `options` is what {@link prepareScenario}
 * takes, or a function giving it inside the `beforeAll` (when it needs
 * something started first, such as a private broker).
 */
export function scenarioSuite(options: ScenarioOptions | (() => Promise<ScenarioOptions>), suite: SuiteOptions): ScenarioSuite {
  let sc: PreparedScenario | undefined;
  beforeAll(async () => {
    sc = await prepareScenario(typeof options === 'function' ? await options() : options);
  }, suite.timeoutMs);
  afterAll(async () => {
    const dispose = async () => {
      await sc?.dispose();
    };
    await (suite.teardown ? suite.teardown(dispose) : dispose());
  }, suite.teardownTimeoutMs);
  const prepared = (): PreparedScenario => {
    if (!sc) throw new Error('the scenario is not prepared: its beforeAll has not run or has failed');
    return sc;
  };
  return {
    get f(): Fixture {
      return prepared().f;
    },
    get s(): Scenario {
      return prepared().s;
    },
    get expected(): FlagEvent[] {
      return prepared().expected;
    },
    get detectors(): DetectorProcess[] {
      return prepared().detectors;
    },
    start: (extra) => prepared().start(extra),
  };
}
