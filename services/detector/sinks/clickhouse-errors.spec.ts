import { describe, expect, it } from 'vitest';
import { classifyClickHouseError } from './clickhouse-errors.ts';

const err = (message: string, code?: string) => Object.assign(new Error(message), code === undefined ? {} : { code });

describe('classifyClickHouseError', () => {
  it('calls a missing table or database, a type or syntax error permanent (18.16 texts)', () => {
    const t = classifyClickHouseError(err("Code: 60, e.displayText() = DB::Exception: Table db.number_minute doesn't exist., e.what() = DB::Exception\n"));
    expect(t).toEqual({ permanent: true, code: 60, message: "Code: 60, e.displayText() = DB::Exception: Table db.number_minute doesn't exist." });
    expect(classifyClickHouseError(err("Code: 81, e.displayText() = DB::Exception: Database x doesn't exist, e.what() = DB::Exception")).permanent).toBe(true);
    expect(classifyClickHouseError(err('Code: 53, e.displayText() = DB::Exception: Type mismatch')).code).toBe(53);
    expect(classifyClickHouseError(err("Code: 60, e.displayText() = DB::Exception: Table db.timeout_log doesn't exist.")).permanent).toBe(true);
  });

  it('reads the code of current releases (ClickHouseError.code)', () => {
    expect(classifyClickHouseError(err('Table db.x does not exist.', '60'))).toMatchObject({ permanent: true, code: 60 });
    expect(classifyClickHouseError(err('Too many parts', '252'))).toMatchObject({ permanent: false, code: 252 });
  });

  it('calls connection failures, timeouts, overload and unknown shapes transient', () => {
    expect(classifyClickHouseError(err('connect ECONNREFUSED 127.0.0.1:8123', 'ECONNREFUSED')).permanent).toBe(false);
    expect(classifyClickHouseError(err('socket hang up', 'ECONNRESET')).permanent).toBe(false);
    expect(classifyClickHouseError(err('')).permanent).toBe(false); // the client's timeout
    expect(classifyClickHouseError(err('Timeout error.')).permanent).toBe(false);
    expect(classifyClickHouseError(err('Code: 241, e.displayText() = DB::Exception: Memory limit exceeded')).permanent).toBe(false);
    expect(classifyClickHouseError('weird').permanent).toBe(false);
  });
});
