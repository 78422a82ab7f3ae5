/**
 * Client-side binding of `{name:Type}` query parameters, for ClickHouse
 * servers that predate server-side parameters (Debian's 18.16 answers
 * "Unknown setting param_x"). Queries are written once in the standard
 * `{name:Type}` form; values are rendered as typed, escaped literals and
 * never spliced in as raw text. Unsupported types are refused.
 */

/** A value accepted as a query parameter. */
export type ParamValue = string | number | bigint | boolean | Date | null | ParamValue[];

const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]*):([^{}]+)\}/g;
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Error raised for a parameter that is missing or does not fit its type. */
export class QueryParamError extends Error {
  constructor(
    message: string,
    readonly param: string,
  ) {
    super(message);
    this.name = 'QueryParamError';
  }
}

/** Quotes a string as a ClickHouse string literal (backslash and quote escaped). */
export function quoteString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** Checks a database/table name and returns it backtick-quoted. */
export function quoteIdentifier(name: string): string {
  if (!IDENTIFIER.test(name)) throw new QueryParamError(`not a safe identifier: ${JSON.stringify(name)}`, name);
  return `\`${name}\``;
}

function render(name: string, type: string, value: ParamValue): string {
  const t = type.trim();
  const nullable = /^Nullable\((.+)\)$/.exec(t);
  if (nullable) return value === null ? 'NULL' : render(name, nullable[1], value);
  if (value === null) throw new QueryParamError(`parameter ${name} is null but ${t} is not Nullable`, name);
  const array = /^Array\((.+)\)$/.exec(t);
  if (array) {
    if (!Array.isArray(value)) throw new QueryParamError(`parameter ${name} must be an array for ${t}`, name);
    return `[${value.map((v) => render(name, array[1], v)).join(', ')}]`;
  }
  if (Array.isArray(value)) throw new QueryParamError(`parameter ${name} is an array but ${t} is not`, name);
  if (t === 'Identifier') return quoteIdentifier(String(value));
  if (t === 'String' || /^FixedString\(\d+\)$/.test(t) || /^Enum(8|16)?\b/.test(t)) {
    if (typeof value !== 'string') throw new QueryParamError(`parameter ${name} must be a string for ${t}`, name);
    return quoteString(value);
  }
  if (t === 'Bool' || (t === 'UInt8' && typeof value === 'boolean')) {
    if (typeof value !== 'boolean') throw new QueryParamError(`parameter ${name} must be a boolean for ${t}`, name);
    return value ? '1' : '0';
  }
  if (/^U?Int(8|16|32|64|128|256)$/.test(t)) {
    const n = typeof value === 'bigint' ? value : typeof value === 'number' && Number.isInteger(value) ? BigInt(value) : null;
    if (n === null) throw new QueryParamError(`parameter ${name} must be an integer for ${t}`, name);
    if (t.startsWith('U') && n < 0n) throw new QueryParamError(`parameter ${name} must not be negative for ${t}`, name);
    return `to${t}(${n.toString()})`;
  }
  if (t === 'Float32' || t === 'Float64') {
    if (typeof value !== 'number' || !Number.isFinite(value)) throw new QueryParamError(`parameter ${name} must be a finite number`, name);
    return `to${t}(${String(value)})`;
  }
  if (t === 'DateTime' || t === 'Date') {
    const secs = value instanceof Date ? Math.floor(value.getTime() / 1000) : typeof value === 'number' ? Math.floor(value) : NaN;
    if (!Number.isFinite(secs) || secs < 0) throw new QueryParamError(`parameter ${name} must be a Date or epoch seconds for ${t}`, name);
    return t === 'Date' ? `toDate(toDateTime(${secs}))` : `toDateTime(${secs})`;
  }
  throw new QueryParamError(`parameter ${name}: type ${t} is not supported for client-side binding`, name);
}

/**
 * Replaces every `{name:Type}` placeholder of `query` by the literal of
 * `params[name]` rendered for `Type` (String, FixedString, Enum, (U)IntN,
 * Float32/64, Date, DateTime, Identifier, Nullable(T), Array(T)).
 * Throws {@link QueryParamError} when a parameter is missing or mistyped.
 */
export function bindQueryParams(query: string, params: Record<string, ParamValue>): string {
  return query.replace(PLACEHOLDER, (_m, name: string, type: string) => {
    if (!Object.prototype.hasOwnProperty.call(params, name)) throw new QueryParamError(`missing query parameter ${name}`, name);
    return render(name, type, params[name]);
  });
}
