/** Phone numbers: normalisation to E.164, classes, compact keys. */
export { normalize, normalizeOrError, type NormalizeResult } from './normalize.ts';
export { classify } from './classify.ts';
export { numberKey, fromNumberKey } from './key.ts';
