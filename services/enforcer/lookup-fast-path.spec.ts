import { describe, expect, it } from 'vitest';
import { acceptedParam, clearViewJson, numberParam } from './lookup-fast-path.ts';
import { clearView } from './view.ts';

describe('lookup fast path helpers', () => {
  it('builds exactly the JSON of the clear view', () => {
    for (const n of ['+8613812345678', '+12025550123', '+8610086']) expect(clearViewJson(n)).toBe(JSON.stringify(clearView(n)));
  });

  it('accepts what the route schema accepts and nothing else', () => {
    const pattern = /^[+0-9][0-9 ().-]*$/;
    const samples = ['13812345678', '+8613812345678', '+86 138-1234 5678', '(010) 1234', '12', '123', 'abc', "' OR 1=1 --", '+86+138', '1'.repeat(32), '1'.repeat(33), '-123', ' 123', '12\u00a034', ''];
    for (const s of samples) expect(acceptedParam(s), JSON.stringify(s)).toBe(s.length >= 3 && s.length <= 32 && pattern.test(s));
  });

  it('takes the parameter of /v1/numbers/{n} only, decoded', () => {
    expect(numberParam('/v1/numbers/13812345678')).toBe('13812345678');
    expect(numberParam('/v1/numbers/%2B8613812345678')).toBe('+8613812345678');
    expect(numberParam('/v1/numbers/+86%20138')).toBe('+86 138');
    expect(numberParam('/v1/numbers/138?x=1')).toBeNull();
    expect(numberParam('/v1/numbers/138/x')).toBeNull();
    expect(numberParam('/v1/numbers/%E0%A4%A')).toBeNull();
    expect(numberParam('/v1/number/138')).toBeNull();
    expect(numberParam('/healthz')).toBeNull();
  });
});
