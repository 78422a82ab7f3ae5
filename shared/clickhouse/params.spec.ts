import { describe, expect, it } from 'vitest';
import { bindQueryParams, quoteIdentifier, quoteString, QueryParamError } from './params.ts';

describe('bindQueryParams', () => {
  it('renders typed literals for each placeholder', () => {
    const sql = bindQueryParams('SELECT * FROM t WHERE n = {n:String} AND c > {c:UInt32} AND m = {m:DateTime} AND x IN {xs:Array(String)} AND s = {s:Float64}', {
      n: '+8613812345678',
      c: 5,
      m: 1700000000,
      xs: ['a', 'b'],
      s: 0.5,
    });
    expect(sql).toBe(
      "SELECT * FROM t WHERE n = '+8613812345678' AND c > toUInt32(5) AND m = toDateTime(1700000000) AND x IN ['a', 'b'] AND s = toFloat64(0.5)",
    );
  });

  it('escapes quotes and backslashes so a value stays one string literal', () => {
    expect(quoteString(`x' OR 1=1 --`)).toBe(`'x\\' OR 1=1 --'`);
    expect(quoteString('a\\')).toBe(`'a\\\\'`);
    expect(bindQueryParams('{v:String}', { v: `\\'` })).toBe(`'\\\\\\''`);
  });

  it('renders Nullable null as NULL and refuses null elsewhere', () => {
    expect(bindQueryParams('{p:Nullable(String)}', { p: null })).toBe('NULL');
    expect(() => bindQueryParams('{p:String}', { p: null })).toThrow(QueryParamError);
  });

  it('refuses missing parameters, wrong types, unsafe identifiers and unknown types', () => {
    expect(() => bindQueryParams('{a:String}', {})).toThrow(/missing query parameter a/);
    expect(() => bindQueryParams('{a:UInt8}', { a: '1; DROP TABLE x' })).toThrow(QueryParamError);
    expect(() => bindQueryParams('{a:UInt8}', { a: -1 })).toThrow(/negative/);
    expect(() => bindQueryParams('{a:Int64}', { a: 1.5 })).toThrow(/integer/);
    expect(() => bindQueryParams('{a:Float64}', { a: Number.NaN })).toThrow(/finite/);
    expect(() => bindQueryParams('{a:Identifier}', { a: 'db; DROP' })).toThrow(/identifier/);
    expect(() => bindQueryParams('{a:Map(String, UInt8)}', { a: 'x' })).toThrow(/not supported/);
    expect(quoteIdentifier('callguard_1')).toBe('`callguard_1`');
  });

  it('accepts bigint and Date values', () => {
    expect(bindQueryParams('{v:UInt64}', { v: 18446744073709551615n })).toBe('toUInt64(18446744073709551615)');
    expect(bindQueryParams('{d:DateTime}', { d: new Date(1_700_000_000_500) })).toBe('toDateTime(1700000000)');
  });
});
