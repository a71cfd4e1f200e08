/**
 * IP address condition operators (IAM User Guide, "Condition operators" → "IP address condition
 * operators"): `IpAddress` / `NotIpAddress` test whether the request address lies in one of the
 * policy's CIDR blocks (RFC 4632). IPv4 (`203.0.113.0/24`) and IPv6 (`2001:DB8:1234:5678::/64`,
 * `::` compression, hex digits in any case, an embedded dotted IPv4 tail) are both accepted; an
 * address without a prefix is a /32 (IPv4) or /128 (IPv6). An IPv4 request address never matches
 * an IPv6 block and vice versa (IPv4-mapped IPv6 addresses are IPv6). Host bits set in a policy
 * block (`10.0.0.1/8`) are ignored. No wildcards, no policy variables.
 *
 * Everything is parsed once at compile time into 32-bit words; evaluation parses the request
 * address into a module-level scratch buffer without allocating. A policy block that does not
 * parse makes the entry unsatisfiable (IAM accepts it at creation time); so does a request value
 * that is not an address.
 */
import { ALWAYS_INVALID, type OperatorDef, type ValueTest } from './types.js';
// Hot-path bindings are local (tsx runs modules through a CommonJS wrapper in which every
// imported binding is a getter call).
const MATCH = 1;
const NOMATCH = 0;
const INVALID = -1;


/** Parses dotted-quad IPv4 in s[start, end): the address as an unsigned 32-bit number, or -1. */
function parseV4(s: string, start: number, end: number): number {
  let result = 0;
  let parts = 0;
  let i = start;
  while (parts < 4) {
    let val = 0;
    let digits = 0;
    while (i < end) {
      const d = s.charCodeAt(i) - 48;
      if (d < 0 || d > 9) break;
      val = val * 10 + d;
      digits++;
      i++;
    }
    if (digits === 0 || digits > 3 || val > 255) return -1;
    result = result * 256 + val;
    parts++;
    if (parts < 4) {
      if (i >= end || s.charCodeAt(i) !== 46) return -1;
      i++;
    }
  }
  return i === end ? result : -1;
}

function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

const GROUPS = new Uint16Array(8);

/** Parses IPv6 in s[0, end) into out[0..3] (32-bit words). Returns false when invalid. */
function parseV6(s: string, end: number, out: Uint32Array): boolean {
  if (end < 2) return false;
  let n = 0;
  let dbl = -1;
  let i = 0;
  if (s.charCodeAt(0) === 58) {
    if (s.charCodeAt(1) !== 58) return false;
    dbl = 0;
    i = 2;
  }
  while (i < end) {
    if (n >= 8) return false;
    const start = i;
    let val = 0;
    let digits = 0;
    while (i < end) {
      const h = hexVal(s.charCodeAt(i));
      if (h < 0) break;
      val = val * 16 + h;
      digits++;
      i++;
    }
    if (i < end && s.charCodeAt(i) === 46) {
      // Embedded IPv4 tail (`::ffff:192.0.2.1`).
      if (n > 6) return false;
      const v4 = parseV4(s, start, end);
      if (v4 < 0) return false;
      GROUPS[n++] = Math.floor(v4 / 65536);
      GROUPS[n++] = v4 & 0xffff;
      i = end;
      break;
    }
    if (digits === 0 || digits > 4) return false;
    GROUPS[n++] = val;
    if (i === end) break;
    if (s.charCodeAt(i) !== 58) return false;
    i++;
    if (i < end && s.charCodeAt(i) === 58) {
      if (dbl >= 0) return false;
      dbl = n;
      i++;
    } else if (i === end) {
      return false; // trailing single colon
    }
  }
  if (dbl < 0 ? n !== 8 : n > 7) return false;
  const zeros = 8 - n;
  for (let w = 0; w < 4; w++) {
    let word = 0;
    for (let h = 0; h < 2; h++) {
      const g = w * 2 + h;
      let v: number;
      if (dbl < 0 || g < dbl) v = GROUPS[g]!;
      else if (g < dbl + zeros) v = 0;
      else v = GROUPS[g - zeros]!;
      word = word * 65536 + v;
    }
    out[w] = word;
  }
  return true;
}

interface V4Block {
  net: number;
  mask: number;
}
interface V6Block {
  net: Uint32Array;
  mask: Uint32Array;
}

function v4Mask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

function parsePrefix(s: string, start: number, max: number): number {
  if (start >= s.length || s.length - start > 3) return -1;
  let v = 0;
  for (let i = start; i < s.length; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v <= max ? v : -1;
}

/** Parses a CIDR block (or a bare address); undefined when invalid. */
export function parseCidr(s: string): { v4?: V4Block; v6?: V6Block } | undefined {
  const slash = s.indexOf('/');
  const end = slash < 0 ? s.length : slash;
  if (s.indexOf(':') < 0) {
    const ip = parseV4(s, 0, end);
    if (ip < 0) return undefined;
    const prefix = slash < 0 ? 32 : parsePrefix(s, slash + 1, 32);
    if (prefix < 0) return undefined;
    const mask = v4Mask(prefix);
    return { v4: { net: (ip & mask) >>> 0, mask } };
  }
  const words = new Uint32Array(4);
  if (!parseV6(s, end, words)) return undefined;
  const prefix = slash < 0 ? 128 : parsePrefix(s, slash + 1, 128);
  if (prefix < 0) return undefined;
  const mask = new Uint32Array(4);
  for (let w = 0; w < 4; w++) {
    const bits = Math.max(0, Math.min(32, prefix - 32 * w));
    mask[w] = v4Mask(bits);
    words[w] = (words[w]! & mask[w]!) >>> 0;
  }
  return { v6: { net: words, mask } };
}

const REQ6 = new Uint32Array(4);
let lastRequest = '\u0000';
let lastKind = 0; // 4, 6, or 0 (not an address)
let lastV4 = 0;

function parseRequest(v: string): void {
  lastRequest = v;
  const len = v.length;
  let colon = false;
  for (let i = 0; i < len; i++) {
    if (v.charCodeAt(i) === 58) {
      colon = true;
      break;
    }
  }
  if (!colon) {
    lastV4 = parseV4(v, 0, len);
    lastKind = lastV4 < 0 ? 0 : 4;
  } else {
    lastKind = parseV6(v, len, REQ6) ? 6 : 0;
  }
}

function compileIp(values: readonly string[]): ValueTest {
  const v4: V4Block[] = [];
  const v6: V6Block[] = [];
  for (const v of values) {
    const b = parseCidr(v.trim());
    if (!b) return ALWAYS_INVALID;
    if (b.v4) v4.push(b.v4);
    if (b.v6) v6.push(b.v6);
  }
  const n4 = v4.length;
  const n6 = v6.length;
  return (v) => {
    // One-entry cache: the same request address is tested by many statements.
    if (v !== lastRequest) parseRequest(v);
    if (lastKind === 4) {
      const ip = lastV4;
      for (let i = 0; i < n4; i++) {
        const b = v4[i]!;
        if ((ip & b.mask) >>> 0 === b.net) return MATCH;
      }
      return NOMATCH;
    }
    if (lastKind !== 6) return INVALID;
    for (let i = 0; i < n6; i++) {
      const b = v6[i]!;
      const net = b.net;
      const mask = b.mask;
      if (
        (REQ6[0]! & mask[0]!) >>> 0 === net[0] &&
        (REQ6[1]! & mask[1]!) >>> 0 === net[1] &&
        (REQ6[2]! & mask[2]!) >>> 0 === net[2] &&
        (REQ6[3]! & mask[3]!) >>> 0 === net[3]
      ) {
        return MATCH;
      }
    }
    return NOMATCH;
  };
}

export const IP_OPERATORS: OperatorDef[] = [
  { name: 'IpAddress', negated: false, variables: false, compile: compileIp },
  { name: 'NotIpAddress', negated: true, variables: false, compile: compileIp },
];
