/** Bits of a number's `kind` (NumberState): a marketing line (95/96/400 or configured)… */
export const MARKETING = 1;
/** …or a number that has consent registrations (a sales rep's mobile): its consented calls are not calls to strangers either. */
export const CONSENTING = 2;
/** The bits above: what the number is (derived from config and consents, see `Engine.kindOf`). */
export const LINE_KIND = MARKETING | CONSENTING;
/**
 * Not a kind of line but a mark kept in the same byte: another callee than the one holding the number's largest
 * bombing run (bombCallee) had a run of CALL_BOMBING's grade beside it within the window. Set by the call observer as
 * such runs are counted, cleared when a run starts the maximum afresh after it aged out. (Refusals keep the same fact
 * with its date: NumberState `sharedRefusalsUntil`.) With neither and both runs at one callee, CALL_BOMBING restates
 * REJECTION_REPEAT (one person's calls, one behaviour).
 */
export const SHARED_BOMBING = 128;
