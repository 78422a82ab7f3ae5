import { describe, expect, it } from 'vitest';
import { envBoolean, envBooleanFrom, redisPrefixFrom } from './index.ts';

describe('envBoolean', () => {
  it('reads true/1 and false/0, and nothing else', () => {
    expect(['true', '1', 'false', '0'].map((v) => envBoolean.parse(v))).toEqual([true, true, false, false]);
    for (const v of ['yes', 'no', 'on', 'TRUE', '', ' 1']) expect(envBoolean.safeParse(v).success).toBe(false);
    const problems: string[] = [];
    expect(envBooleanFrom({ X: 'yes' }, 'X', false, problems)).toBe(false);
    expect(envBooleanFrom({ X: '' }, 'X', true, problems)).toBe(true);
    expect(envBooleanFrom({}, 'X', true, problems)).toBe(true);
    expect(problems).toEqual(['X: "yes" is not one of true, false, 1, 0']);
  });
});

describe('redisPrefixFrom', () => {
  it('the option, then the service\'s own variable, then CALLGUARD_REDIS_PREFIX, then callguard; a bad value named by where it came from', () => {
    const own = { variable: 'OWN' };
    const problems: string[] = [];
    expect(redisPrefixFrom({}, own, problems)).toEqual({ prefix: 'callguard', setBy: 'default' });
    expect(redisPrefixFrom({ CALLGUARD_REDIS_PREFIX: 'prod' }, own, problems)).toEqual({ prefix: 'prod', setBy: 'CALLGUARD_REDIS_PREFIX' });
    expect(redisPrefixFrom({ CALLGUARD_REDIS_PREFIX: 'prod', OWN: 'mine' }, own, problems)).toEqual({ prefix: 'mine', setBy: 'OWN' });
    expect(redisPrefixFrom({ CALLGUARD_REDIS_PREFIX: 'prod', OWN: 'mine' }, { ...own, cli: 'cli' }, problems).prefix).toBe('cli');
    expect(problems).toEqual([]);
    redisPrefixFrom({ CALLGUARD_REDIS_PREFIX: 'a b' }, own, problems);
    expect(problems).toEqual(['key prefix (CALLGUARD_REDIS_PREFIX): "a b" may hold only letters, digits and _ : . -']);
  });
});
