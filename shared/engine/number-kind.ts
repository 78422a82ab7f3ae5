/** Bits of a number's `kind` (NumberState): a marketing line (95/96/400 or configured)… */
export const MARKETING = 1;
/** …or a number that has consent registrations (a sales rep's mobile): its consented calls are not calls to strangers either. */
export const CONSENTING = 2;
/** The bits above: what the number is (derived from config and consents, see `Engine.kindOf`). */
export const LINE_KIND = MARKETING | CONSENTING;
/**
 * Not a kind of line but a mark kept in the same byte: the number's call-bombing run (bombMax) and its refusal run
 * (rrMax) were last raised at one callee, so CALL_BOMBING restates REJECTION_REPEAT (one person's calls, one behaviour).
 * Set and cleared by the call observer whenever either run is raised.
 */
export const ONE_CALLEE = 128;
