/**
 * Policy variables: `${key}` placeholders (IAM User Guide, "IAM policy elements: Variables and
 * tags", reference_policies_variables.html).
 *
 * - Only `Version: 2012-10-17` substitutes; under `2008-10-17` (and with no Version, which callers
 *   pass as 2008-10-17) `${...}` is literal text, while `*`/`?` keep working as wildcards
 *   ("IAM JSON policy elements: Version": "policy variables ... are not recognized ... treated as
 *   literal strings").
 * - Key names are case-insensitive (the whole key, including a tag key).
 * - A key that is absent, or multivalued ("you can't use multivalued context keys as policy
 *   variables"), has no value: the template renders to `undefined` (the caller makes the value
 *   not match: positive operators false, negated operators true, Resource matches nothing).
 * - Default values: `${aws:PrincipalTag/team, 'company-wide'}` — single-quoted text after a comma,
 *   used only when the key has no value. Whitespace around the key, the comma and the quotes is
 *   ignored; `''` inside the quotes is one `'`. The default is literal text (one round of
 *   substitution, no wildcards).
 * - Special characters: `${*}`, `${?}`, `${$}` are the literal characters `*`, `?`, `$`, never
 *   wildcards.
 * - Malformed sequences (`${` without a closing brace, `${}`, a default not in quotes...) are kept
 *   as literal text. AWS documents no error for them and IAM accepts such policies; the text then
 *   matches only itself. (Our reading: the doc describes variables only as well-formed
 *   `${...}` placeholders.)
 *
 * Substituted values are literal: renderPattern escapes them so that a `*` in a user name is not
 * a wildcard.
 */
import type { ContextKeys, PolicyVersion } from './types.js';
import { escapeGlob as escapeGlob_, policyPattern, unescapeGlob } from './glob.js';
import { lowerKey, singleValue as singleValue_ } from './context.js';
const singleValue = singleValue_;

const escapeGlob = escapeGlob_;


export interface TemplateVar {
  /** Lower-cased context key. */
  readonly key: string;
  /** The key as written in the policy (trimmed). */
  readonly name: string;
  /** Default text, when `${key, 'default'}` was used. */
  readonly def?: string;
}

export interface Template {
  readonly constant: boolean; // no variables: `render` ignores ctx
  readonly keys: string[]; // lower-cased context keys referenced
  /** The variables referenced, in order of appearance (added to the contract: for MissingContextValues). */
  readonly vars: readonly TemplateVar[];
  /** As a glob pattern: literal parts keep their wildcards, substituted values and ${*}/${?}/${$} are escaped.
   *  undefined when a referenced key is absent (or multivalued) and has no default. */
  renderPattern(ctx: ContextKeys): string | undefined;
  /** As plain text (for exact operators): undefined in the same cases. */
  renderText(ctx: ContextKeys): string | undefined;
  /**
   * Matches `value[vs, ve)` against the pattern renderPattern(ctx) would produce, without building
   * it, when the template's shape allows (literal text and variables, with at most a trailing `*`):
   * 1 match, 0 no match; -1 when it cannot tell (a variable without a value, or another shape):
   * the caller then renders the pattern.
   */
  matchRendered(ctx: ContextKeys, value: string, vs: number, ve: number): number;
}

type Part =
  | { kind: 'lit'; text: string; pattern: string }
  | { kind: 'var'; v: TemplateVar; defPattern?: string };

class ConstantTemplate implements Template {
  readonly constant = true;
  readonly keys: string[] = [];
  readonly vars: readonly TemplateVar[] = [];
  constructor(
    private readonly text: string,
    private readonly pattern: string,
  ) {}
  renderPattern(): string {
    return this.pattern;
  }
  renderText(): string {
    return this.text;
  }
  matchRendered(): number {
    return -1;
  }
}

/** Unescaped wildcard positions of an escaped pattern. */
function wildcardPositions(pattern: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern.charCodeAt(i);
    if (c === 92) i++;
    else if (c === 42 || c === 63) out.push(i);
  }
  return out;
}

class VarTemplate implements Template {
  readonly constant = false;
  readonly keys: string[];
  readonly vars: readonly TemplateVar[];
  /**
   * matchRendered's plan: per part the literal text to find (undefined for a variable), and
   * whether the last literal part ends with a `*` (`tail`: its text is then the part before it).
   * Empty when the shape is not supported.
   */
  private readonly plain: (string | undefined)[] = [];
  private readonly tailStar: boolean = false;
  private readonly simple: boolean = true;
  constructor(private readonly parts: readonly Part[]) {
    const vars: TemplateVar[] = [];
    for (const p of parts) if (p.kind === 'var') vars.push(p.v);
    this.vars = vars;
    this.keys = [...new Set(vars.map((v) => v.key))];
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!;
      if (p.kind === 'var') {
        this.plain.push(undefined);
        continue;
      }
      const w = wildcardPositions(p.pattern);
      if (w.length === 0) {
        this.plain.push(unescapeGlob(p.pattern));
      } else if (i === parts.length - 1 && w.length === 1 && w[0] === p.pattern.length - 1 && p.pattern.charCodeAt(w[0]) === 42) {
        this.plain.push(unescapeGlob(p.pattern.slice(0, -1)));
        this.tailStar = true;
      } else {
        this.simple = false;
        break;
      }
    }
  }
  matchRendered(ctx: ContextKeys, value: string, vs: number, ve: number): number {
    if (!this.simple) return -1;
    const parts = this.parts;
    const plain = this.plain;
    let pos = vs;
    for (let i = 0; i < parts.length; i++) {
      let text = plain[i];
      if (text === undefined) {
        const p = parts[i] as { kind: 'var'; v: TemplateVar };
        text = singleValue(ctx, p.v.key);
        if (text === undefined) {
          text = p.v.def;
          if (text === undefined) return -1;
        }
      }
      const n = text.length;
      if (n === 0) continue;
      if (pos + n > ve || !value.startsWith(text, pos)) return 0;
      pos += n;
    }
    return this.tailStar || pos === ve ? 1 : 0;
  }
  renderPattern(ctx: ContextKeys): string | undefined {
    let out = '';
    for (let i = 0; i < this.parts.length; i++) {
      const p = this.parts[i]!;
      if (p.kind === 'lit') {
        out += p.pattern;
        continue;
      }
      const val = singleValue(ctx, p.v.key);
      if (val !== undefined) out += escapeGlob(val);
      else if (p.defPattern !== undefined) out += p.defPattern;
      else return undefined;
    }
    return out;
  }
  renderText(ctx: ContextKeys): string | undefined {
    let out = '';
    for (let i = 0; i < this.parts.length; i++) {
      const p = this.parts[i]!;
      if (p.kind === 'lit') {
        out += p.text;
        continue;
      }
      const val = singleValue(ctx, p.v.key);
      if (val !== undefined) out += val;
      else if (p.v.def !== undefined) out += p.v.def;
      else return undefined;
    }
    return out;
  }
}

function isWs(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\r';
}

/**
 * Parses one `${...}` starting at `start` (the `$`). Returns the variable (or special character)
 * and the index after the closing brace, or undefined when malformed.
 */
function parsePlaceholder(
  s: string,
  start: number,
): { end: number; special?: string; v?: TemplateVar } | undefined {
  let i = start + 2;
  // Special characters ${*} ${?} ${$}.
  if (i + 1 < s.length && s[i + 1] === '}' && (s[i] === '*' || s[i] === '?' || s[i] === '$')) {
    return { end: i + 2, special: s[i]! };
  }
  const nameStart = i;
  while (i < s.length && s[i] !== '}' && s[i] !== ',' && s[i] !== '$' && s[i] !== '{') i++;
  if (i >= s.length || s[i] === '$' || s[i] === '{') return undefined;
  const name = s.slice(nameStart, i).trim();
  // Empty names are malformed; so are tabs/newlines inside a key name (tag keys may hold spaces).
  if (name === '' || /[\t\n\r]/.test(name)) return undefined;
  let def: string | undefined;
  if (s[i] === ',') {
    i++;
    while (isWs(s[i])) i++;
    if (s[i] !== "'") return undefined;
    i++;
    def = '';
    for (;;) {
      if (i >= s.length) return undefined;
      if (s[i] === "'") {
        if (s[i + 1] === "'") {
          def += "'";
          i += 2;
          continue;
        }
        i++;
        break;
      }
      def += s[i];
      i++;
    }
    while (isWs(s[i])) i++;
    if (s[i] !== '}') return undefined;
  }
  const key = lowerKey(name);
  const v: TemplateVar = def === undefined ? { key, name } : { key, name, def };
  return { end: i + 1, v };
}

/** Compiles a policy string (a Resource entry or a String/ARN condition value). */
export function compileTemplate(s: string, version: PolicyVersion): Template {
  if (version !== '2012-10-17' || s.indexOf('${') < 0) {
    return new ConstantTemplate(s, policyPattern(s));
  }
  const parts: Part[] = [];
  let lit = '';
  let litPattern = '';
  let hasVar = false;
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (c === '$' && s[i + 1] === '{') {
      const ph = parsePlaceholder(s, i);
      if (ph) {
        if (ph.special !== undefined) {
          lit += ph.special;
          litPattern += escapeGlob(ph.special);
        } else {
          if (lit !== '') parts.push({ kind: 'lit', text: lit, pattern: litPattern });
          lit = '';
          litPattern = '';
          const v = ph.v!;
          parts.push(v.def === undefined ? { kind: 'var', v } : { kind: 'var', v, defPattern: escapeGlob(v.def) });
          hasVar = true;
        }
        i = ph.end;
        continue;
      }
    }
    lit += c;
    litPattern += c === '\\' ? '\\\\' : c;
    i++;
  }
  if (!hasVar) return new ConstantTemplate(lit, litPattern);
  if (lit !== '') parts.push({ kind: 'lit', text: lit, pattern: litPattern });
  return new VarTemplate(parts);
}
