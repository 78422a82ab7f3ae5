import { describe, expect, it } from 'vitest';
import { classify } from './classify.ts';
import { normalize } from './normalize.ts';

describe('classify', () => {
  it.each([
    ['+8613812345678', 'MOBILE'],
    ['+8619912345678', 'MOBILE'],
    ['+8614512345678', 'MOBILE'],
    ['+862088886666', 'FIXED_LINE'],
    ['+861088886666', 'FIXED_LINE'],
    ['+8675512345678', 'FIXED_LINE'],
    ['+869511234567', 'FIXED_LINE'],
    ['+8657112345678', 'FIXED_LINE'],
    ['+8695588', 'SERVICE_95'],
    ['+8695105888', 'SERVICE_95'],
    ['+8696169', 'SERVICE_96'],
    ['+8696123456', 'SERVICE_96'],
    ['+864001234567', 'TOLL_FREE_400'],
    ['+868008108888', 'TOLL_FREE_400'],
    ['+14155552671', 'INTERNATIONAL'],
    ['+442079460958', 'INTERNATIONAL'],
    ['+85221234567', 'INTERNATIONAL'],
    ['+8610086', 'UNKNOWN'],
    ['+8612321', 'UNKNOWN'],
    ['+8610101234', 'UNKNOWN'], // 1010xxxx customer-service number: valid, no class of its own
    ['+86123', 'UNKNOWN'],
    ['+861381234567', 'UNKNOWN'],
    ['13812345678', 'UNKNOWN'],
    ['', 'UNKNOWN'],
    ['+1', 'UNKNOWN'],
  ])('%s is %s', (e164, cls) => {
    expect(classify(e164)).toBe(cls);
  });

  it('classifies what normalize returns from national forms', () => {
    expect(classify(normalize('13812345678')!)).toBe('MOBILE');
    expect(classify(normalize('02088886666')!)).toBe('FIXED_LINE');
    expect(classify(normalize('95588')!)).toBe('SERVICE_95');
    expect(classify(normalize('96169')!)).toBe('SERVICE_96');
    expect(classify(normalize('400-123-4567')!)).toBe('TOLL_FREE_400');
    expect(classify(normalize('0014155552671')!)).toBe('INTERNATIONAL');
  });
});
