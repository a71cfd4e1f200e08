/**
 * Date condition operators (IAM User Guide, "Condition operators" → "Date condition operators"):
 * DateEquals, DateNotEquals, DateLessThan, DateLessThanEquals, DateGreaterThan,
 * DateGreaterThanEquals. Values are instants written in one of the W3C ISO 8601 profiles
 * (`YYYY`, `YYYY-MM`, `YYYY-MM-DD`, `YYYY-MM-DDThh:mm[:ss[.s+]]TZD` with `Z` or `±hh:mm`) or as
 * epoch seconds; both forms may be mixed (`aws:CurrentTime` against `"1577836800"`,
 * `aws:EpochTime` against an ISO value: "AWS: Allows access based on date and time" and the
 * aws:EpochTime key description). Wildcards and policy variables are not permitted.
 *
 * Policy-creation validation: IAM rejects a Date literal it cannot parse with
 * `MalformedPolicyDocument: The policy failed legacy parsing` (a string containing `T` or `-` is
 * parsed as ISO 8601 — year, month 1-12, day 1-31, hour 0-23, minute/second 0-59 — anything else
 * as a non-negative integer timestamp). A time without a zone designator is taken as UTC.
 * A string of digits only is always epoch seconds (so `"2020"` is 2020 seconds after the epoch,
 * not the year 2020). Request values that do not parse make the operator unsatisfiable.
 */
import { LEGACY_PARSING, type OperatorDef, type ValueTest } from './types.js';
// Hot-path bindings are local (tsx runs modules through a CommonJS wrapper in which every
// imported binding is a getter call).
const MATCH = 1;
const NOMATCH = 0;
const INVALID = -1;


const LENIENT_EPOCH = /^-?\d+(?:\.\d+)?$/;

function digit(s: string, i: number): number {
  if (i >= s.length) return -1;
  const c = s.charCodeAt(i) - 48;
  return c >= 0 && c <= 9 ? c : -1;
}

function num(s: string, i: number, n: number): number {
  let r = 0;
  for (let k = 0; k < n; k++) {
    const d = digit(s, i + k);
    if (d < 0) return -1;
    r = r * 10 + d;
  }
  return r;
}

/**
 * Parses a date literal into epoch milliseconds (may carry sub-millisecond fractions), NaN when
 * invalid. `lenient` (request values) also accepts negative and fractional epoch seconds.
 * Allocation-free.
 */
export function parseDate(s: string, lenient = false): number {
  const len = s.length;
  if (len === 0) return NaN;
  // Epoch seconds.
  let allDigits = true;
  for (let i = 0; i < len; i++) {
    if (digit(s, i) < 0) {
      allDigits = false;
      break;
    }
  }
  if (allDigits) return Number(s) * 1000;
  if (lenient && LENIENT_EPOCH.test(s)) return Number(s) * 1000;

  // ISO 8601 (W3C profiles).
  const year = num(s, 0, 4);
  if (year < 0) return NaN;
  let month = 1;
  let day = 1;
  let hour = 0;
  let minute = 0;
  let second = 0;
  let frac = 0;
  let offsetMin = 0;
  let i = 4;
  if (i < len) {
    if (s.charCodeAt(i) !== 45 /* - */) return NaN;
    month = num(s, i + 1, 2);
    if (month < 1 || month > 12) return NaN;
    i += 3;
    if (i < len) {
      if (s.charCodeAt(i) !== 45) return NaN;
      day = num(s, i + 1, 2);
      if (day < 1 || day > 31) return NaN;
      i += 3;
      if (i < len) {
        if (s.charCodeAt(i) !== 84 /* T */ && s.charCodeAt(i) !== 116 /* t */) return NaN;
        hour = num(s, i + 1, 2);
        if (hour < 0 || hour > 23) return NaN;
        i += 3;
        if (i < len && s.charCodeAt(i) === 58 /* : */) {
          minute = num(s, i + 1, 2);
          if (minute < 0 || minute > 59) return NaN;
          i += 3;
          if (i < len && s.charCodeAt(i) === 58) {
            second = num(s, i + 1, 2);
            if (second < 0 || second > 59) return NaN;
            i += 3;
            if (i < len && s.charCodeAt(i) === 46 /* . */) {
              i++;
              // Fraction of a second, kept exactly to the nanosecond (more digits are ignored).
              let units = 0;
              let scale = 1;
              const start = i;
              while (i < len && digit(s, i) >= 0) {
                if (i - start < 9) {
                  units = units * 10 + digit(s, i);
                  scale *= 10;
                }
                i++;
              }
              if (i === start) return NaN;
              frac = units / scale;
            }
          }
        }
        if (i < len) {
          const c = s.charCodeAt(i);
          if (c === 90 /* Z */ || c === 122 /* z */) {
            i++;
          } else if (c === 43 /* + */ || c === 45 /* - */) {
            const oh = num(s, i + 1, 2);
            if (oh < 0 || oh > 23) return NaN;
            i += 3;
            let om = 0;
            if (i < len) {
              if (s.charCodeAt(i) === 58) i++;
              om = num(s, i, 2);
              if (om < 0 || om > 59) return NaN;
              i += 2;
            }
            offsetMin = (c === 45 ? -1 : 1) * (oh * 60 + om);
          } else {
            return NaN;
          }
        }
        if (i !== len) return NaN;
      }
    }
  }
  if (i !== len) return NaN;
  const days = daysFromCivil(year, month, day);
  return ((days * 24 + hour) * 60 + minute - offsetMin) * 60000 + second * 1000 + frac * 1000;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

// One-entry cache for request values: the same request value (aws:CurrentTime) is typically
// tested against many statements.
let lastRequest = '';
let lastParsed = NaN;

function parseRequestDate(s: string): number {
  if (s === lastRequest) return lastParsed;
  const r = parseDate(s, true);
  lastRequest = s;
  lastParsed = r;
  return r;
}

type Cmp = (req: number, pol: number) => boolean;

function family(cmp: Cmp): OperatorDef['compile'] {
  return (values) => {
    const dates: number[] = [];
    for (const v of values) {
      const d = parseDate(v);
      if (Number.isNaN(d)) return LEGACY_PARSING;
      dates.push(d);
    }
    const len = dates.length;
    const test: ValueTest = (v) => {
      const r = parseRequestDate(v);
      if (r !== r) return INVALID;
      for (let i = 0; i < len; i++) if (cmp(r, dates[i]!)) return MATCH;
      return NOMATCH;
    };
    return test;
  };
}

const eq = family((a, b) => a === b);

export const DATE_OPERATORS: OperatorDef[] = [
  { name: 'DateEquals', negated: false, variables: false, compile: eq },
  { name: 'DateNotEquals', negated: true, variables: false, compile: eq },
  { name: 'DateLessThan', negated: false, variables: false, compile: family((a, b) => a < b) },
  { name: 'DateLessThanEquals', negated: false, variables: false, compile: family((a, b) => a <= b) },
  { name: 'DateGreaterThan', negated: false, variables: false, compile: family((a, b) => a > b) },
  { name: 'DateGreaterThanEquals', negated: false, variables: false, compile: family((a, b) => a >= b) },
];
