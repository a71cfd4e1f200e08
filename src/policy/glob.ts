/**
 * AWS wildcard matching, as IAM applies it to Action/Resource elements and to the `StringLike` /
 * `ArnLike` condition operators (IAM User Guide, "IAM JSON policy elements: Action/Resource" and
 * "Condition operators" → String condition operators): `*` matches any run of characters including
 * the empty run, `?` matches exactly one character, everything else matches itself.
 *
 * Pattern escapes (our internal notation, never AWS syntax): a backslash makes the next character
 * literal (`\*`, `\?`, `\\`). variables.ts emits these escapes for `${*}`, `${?}`, `${$}` and for
 * substituted values, which AWS treats as literal text. A raw policy string must go through
 * `policyPattern` (or a Template's renderPattern) before compileGlob so that a backslash written in
 * the policy stays a literal backslash.
 *
 * Matching is done by a hand-written, allocation-free greedy matcher with one backtrack point
 * (O(n·m) worst case, no RegExp), plus fast paths for patterns without wildcards, `*`, `prefix*`
 * and `*suffix`.
 */

export type Matcher = (value: string) => boolean;

const STAR = 42; // *
const QMARK = 63; // ?
const BSLASH = 92; // \

/** True when the pattern contains an unescaped `*` or `?`. */
export function hasWildcard(pattern: string): boolean {
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern.charCodeAt(i);
    if (c === BSLASH) {
      i++;
      continue;
    }
    if (c === STAR || c === QMARK) return true;
  }
  return false;
}

/** Escapes `*`, `?` and `\` so that every character of `literal` matches only itself. */
export function escapeGlob(literal: string): string {
  let needs = false;
  for (let i = 0; i < literal.length; i++) {
    const c = literal.charCodeAt(i);
    if (c === STAR || c === QMARK || c === BSLASH) {
      needs = true;
      break;
    }
  }
  if (!needs) return literal;
  let out = '';
  for (let i = 0; i < literal.length; i++) {
    const ch = literal[i]!;
    const c = literal.charCodeAt(i);
    if (c === STAR || c === QMARK || c === BSLASH) out += '\\';
    out += ch;
  }
  return out;
}

/**
 * Turns raw policy text (where `*` and `?` are wildcards and a backslash is an ordinary
 * character) into this module's pattern notation: only backslashes are escaped.
 */
export function policyPattern(text: string): string {
  return text.indexOf('\\') < 0 ? text : text.replace(/\\/g, '\\\\');
}

/** Removes the escapes of a pattern that has no unescaped wildcard: the literal it matches. */
export function unescapeGlob(pattern: string): string {
  if (pattern.indexOf('\\') < 0) return pattern;
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern.charCodeAt(i);
    if (c === BSLASH && i + 1 < pattern.length) i++;
    out += pattern[i]!;
  }
  return out;
}

function foldAscii(c: number): number {
  return c >= 65 && c <= 90 ? c + 32 : c;
}

/** Character equality; with `ci`, ASCII letters fold and other characters compare lower-cased. */
function charEq(a: number, b: number, ci: boolean): boolean {
  if (a === b) return true;
  if (!ci) return false;
  if (a < 128 && b < 128) return foldAscii(a) === foldAscii(b);
  // Rare: non-ASCII case folding (allocates, but only on a mismatch involving non-ASCII).
  return String.fromCharCode(a).toLowerCase() === String.fromCharCode(b).toLowerCase();
}

/** Matches pattern[ps, pe) (escaped notation) against value[vs, ve). Allocation-free. */
export function matchRange(
  p: string,
  ps: number,
  pe: number,
  v: string,
  vs: number,
  ve: number,
  ci: boolean,
): boolean {
  let pi = ps;
  let vi = vs;
  let starP = -1;
  let starV = -1;
  while (vi < ve) {
    if (pi < pe) {
      const c = p.charCodeAt(pi);
      if (c === STAR) {
        pi++;
        starP = pi;
        starV = vi;
        continue;
      }
      if (c === QMARK) {
        pi++;
        vi++;
        continue;
      } else {
        let lit = c;
        let adv = 1;
        if (c === BSLASH && pi + 1 < pe) {
          lit = p.charCodeAt(pi + 1);
          adv = 2;
        }
        if (charEq(lit, v.charCodeAt(vi), ci)) {
          pi += adv;
          vi++;
          continue;
        }
      }
    }
    if (starP >= 0) {
      pi = starP;
      starV++;
      vi = starV;
      continue;
    }
    return false;
  }
  while (pi < pe && p.charCodeAt(pi) === STAR) pi++;
  return pi === pe;
}

/** One-shot match of an escaped pattern (for patterns rendered at evaluation time). */
export function globMatch(pattern: string, value: string, ignoreCase = false): boolean {
  return matchRange(pattern, 0, pattern.length, value, 0, value.length, ignoreCase);
}

function eqIgnoreCase(a: string, b: string): boolean {
  if (a.length !== b.length) {
    // Lengths can differ only for non-ASCII case pairs; fall back to full lower-casing.
    return a.toLowerCase() === b.toLowerCase();
  }
  for (let i = 0; i < a.length; i++) {
    if (!charEq(a.charCodeAt(i), b.charCodeAt(i), true)) return false;
  }
  return true;
}

/** Case-insensitive string equality without allocation for ASCII strings. */
export { eqIgnoreCase };

/** Compiles a pattern once into a matcher (fast paths for the common shapes). */
export function compileGlob(pattern: string, opts?: { ignoreCase?: boolean }): Matcher {
  const ci = opts?.ignoreCase === true;
  if (!hasWildcard(pattern)) {
    const lit = unescapeGlob(pattern);
    return ci ? (v) => eqIgnoreCase(lit, v) : (v) => v === lit;
  }
  if (pattern === '*') return () => true;
  const firstStar = pattern.indexOf('*');
  // `prefix*` with a literal prefix (no escapes, no other wildcard).
  if (
    firstStar === pattern.length - 1 &&
    pattern.indexOf('?') < 0 &&
    pattern.indexOf('\\') < 0
  ) {
    const prefix = pattern.slice(0, -1);
    if (!ci) return (v) => v.startsWith(prefix);
  }
  // `*suffix`.
  if (
    firstStar === 0 &&
    pattern.indexOf('*', 1) < 0 &&
    pattern.indexOf('?') < 0 &&
    pattern.indexOf('\\') < 0
  ) {
    const suffix = pattern.slice(1);
    if (!ci) return (v) => v.endsWith(suffix);
  }
  const pl = pattern.length;
  return (v) => matchRange(pattern, 0, pl, v, 0, v.length, ci);
}
