/** Bits of a number's `kind` (NumberState): a marketing line (95/96/400 or configured)… */
export const MARKETING = 1;
/** …or a number that has consent registrations (a sales rep's mobile): its consented calls are not calls to strangers either. */
export const CONSENTING = 2;
/** The bits above: what the number is (derived from config and consents, see `Engine.kindOf`). */
export const LINE_KIND = MARKETING | CONSENTING;
/**
 * Not kinds of line but marks kept in the same byte: another callee than the one holding the number's largest refusal
 * run (rrCallee) has a refusal run of REJECTION_REPEAT's grade within the memory, or another than the one holding its
 * largest bombing run (bombCallee) has one of CALL_BOMBING's grade within the window. Set by the call observer as
 * such runs are counted, cleared when a run starts the maximum afresh after it aged out. With neither mark and both
 * runs at one callee, CALL_BOMBING restates REJECTION_REPEAT (one person's calls, one behaviour).
 */
export const SHARED_REFUSALS = 64;
export const SHARED_BOMBING = 128;
