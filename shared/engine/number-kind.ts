/** Bits of a number's `kind` (NumberState): a marketing line (95/96/400 or configured)… */
export const MARKETING = 1;
/** …or a number that has consent registrations (a sales rep's mobile): its consented calls are not calls to strangers either. */
export const CONSENTING = 2;
