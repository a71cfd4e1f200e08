/**
 * Parse and validate a JSON policy document as IAM does (MalformedPolicyDocument / LimitExceeded).
 *
 * Sources (AWS IAM User Guide): reference_policies_grammar.html, reference_policies_elements_*.html,
 * reference_iam-quotas.html ("IAM does not count white space when calculating the size of a policy").
 * The error texts are the ones IAM returns on the wire; where IAM checks several things, the order of
 * the checks follows what IAM reports first for a document with several faults:
 *   1. the JSON and the grammar's shape          -> "Syntax errors in policy."
 *   2. Version (managed policies only)            -> "Policy document must be version 2012-10-17 or greater."
 *   3. Effect spelled exactly `Allow`/`Deny`       -> "The policy failed legacy parsing"
 *   4. Sid uniqueness                              -> "Statement IDs (SID) in a single policy must be unique."
 *   5. Action/NotAction present and non-empty      -> "Policy statement must contain actions."
 *   6. Resource ARN format                         -> `Resource X must be in ARN format or "*".` ...
 *   7. Action vendor prefix                        -> "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."
 *   8. per policy type: Resource required (identity), Principal prohibited (identity:
 *      "Policy document should not specify a principal."), Principal required (resource/trust:
 *      "Missing required field Principal"), trust policies' Resource prohibited ("Has prohibited field Resource.").
 *   9. size quota, after validation (non-whitespace characters):
 *      managed 6144 -> LimitExceeded "Cannot exceed quota for PolicySize: 6144";
 *      trust 2048   -> LimitExceeded "Cannot exceed quota for ACLSizePerRole: 2048";
 *      inline (aggregate per entity) user 2048 / role 10240 / group 5120 ->
 *      LimitExceeded "Maximum policy size of 2048 bytes exceeded for user NAME".
 *
 * Version: absent means 2008-10-17 for evaluation (reference_policies_elements_version.html: "If you
 * do not include a Version element, the value defaults to 2008-10-17"). IAM accepts inline policies and
 * trust policies without it; CreatePolicy / CreatePolicyVersion (managed, also used as boundaries)
 * reject anything but 2012-10-17 — pass `{ kind: 'managed' }` for that check.
 *
 * Positions: every statement's start (its `{`) and end (just past its `}`) as 1-based line and column,
 * for the simulator's MatchedStatements StartPosition/EndPosition.
 *
 * Gaps: the exact texts IAM uses for NotPrincipal with Allow, and for principal values of an unknown
 * type, are not documented; we answer "Syntax errors in policy." and `Invalid principal in policy: "K":"V"`.
 */
import type { PolicyProblem, PolicyType, PolicyVersion } from './types.js';

export interface Position {
  line: number;
  column: number;
}

/** A Principal / NotPrincipal element, normalised: `'*'` or a map of principal type to values. */
export type PrincipalSpec = '*' | { [type: string]: string[] };

export interface ParsedStatement {
  index: number;
  sid?: string;
  effect: 'Allow' | 'Deny';
  action?: string[];
  notAction?: string[];
  resource?: string[];
  notResource?: string[];
  principal?: PrincipalSpec;
  notPrincipal?: PrincipalSpec;
  /** The raw Condition object (validated as an object of objects), compiled by conditions/. */
  condition?: Record<string, unknown>;
  start: Position;
  end: Position;
}

export interface ParsedPolicy {
  version: PolicyVersion;
  /** Whether the document had a Version element at all. */
  versionGiven: boolean;
  id?: string;
  statements: ParsedStatement[];
  text: string;
}

/** Which IAM API the document comes through; selects the size quota and managed-only rules. */
export type PolicyKind = 'managed' | 'user-inline' | 'group-inline' | 'role-inline' | 'trust';

export interface ParseOptions {
  kind?: PolicyKind;
  /** The user/group/role name, for the inline-policy quota message. */
  entityName?: string;
  /** Non-whitespace characters already used by the entity's other inline policies (quota is aggregate). */
  otherInlineChars?: number;
  /** Override the quota (raised quotas). */
  limit?: number;
}

const QUOTA: Record<PolicyKind, number> = {
  managed: 6144,
  'user-inline': 2048,
  'group-inline': 5120,
  'role-inline': 10240,
  trust: 2048,
};

const SYNTAX = 'Syntax errors in policy.';
const problem = (message: string, code: PolicyProblem['code'] = 'MalformedPolicyDocument'): PolicyProblem => ({ code, message });

export function isProblem(x: unknown): x is PolicyProblem {
  return typeof x === 'object' && x !== null && 'code' in x && 'message' in x && !('statements' in x);
}

/** Characters IAM counts against the size quotas: everything but whitespace. */
export function policySize(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 10 && c !== 13) n++;
  }
  return n;
}

// ---------------------------------------------------------------------------------------------
// A small JSON parser that also records where each object/array starts and ends.

class JsonError extends Error {}

interface Span {
  start: number;
  end: number;
}

class Parser {
  i = 0;
  spans = new WeakMap<object, Span>();
  constructor(readonly s: string) {}

  fail(): never {
    throw new JsonError();
  }
  ws(): void {
    const s = this.s;
    while (this.i < s.length) {
      const c = s.charCodeAt(this.i);
      if (c === 32 || c === 9 || c === 10 || c === 13) this.i++;
      else break;
    }
  }
  value(): unknown {
    this.ws();
    const c = this.s[this.i];
    if (c === '{') return this.object();
    if (c === '[') return this.array();
    if (c === '"') return this.string();
    if (c === 't') return this.lit('true', true);
    if (c === 'f') return this.lit('false', false);
    if (c === 'n') return this.lit('null', null);
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return this.number();
    this.fail();
  }
  lit<T>(word: string, v: T): T {
    if (this.s.startsWith(word, this.i)) {
      this.i += word.length;
      return v;
    }
    this.fail();
  }
  number(): number {
    const m = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
    m.lastIndex = this.i;
    const r = m.exec(this.s);
    if (!r) this.fail();
    this.i += r[0].length;
    return Number(r[0]);
  }
  string(): string {
    const s = this.s;
    this.i++; // opening quote
    let out = '';
    let from = this.i;
    for (;;) {
      if (this.i >= s.length) this.fail();
      const c = s.charCodeAt(this.i);
      if (c === 34) {
        out += s.slice(from, this.i);
        this.i++;
        return out;
      }
      if (c < 0x20) this.fail();
      if (c === 92) {
        out += s.slice(from, this.i);
        const e = s[this.i + 1];
        this.i += 2;
        switch (e) {
          case '"': out += '"'; break;
          case '\\': out += '\\'; break;
          case '/': out += '/'; break;
          case 'b': out += '\b'; break;
          case 'f': out += '\f'; break;
          case 'n': out += '\n'; break;
          case 'r': out += '\r'; break;
          case 't': out += '\t'; break;
          case 'u': {
            const h = s.slice(this.i, this.i + 4);
            if (!/^[0-9a-fA-F]{4}$/.test(h)) this.fail();
            out += String.fromCharCode(parseInt(h, 16));
            this.i += 4;
            break;
          }
          default: this.fail();
        }
        from = this.i;
        continue;
      }
      this.i++;
    }
  }
  object(): Record<string, unknown> {
    const start = this.i;
    this.i++;
    const o: Record<string, unknown> = Object.create(null);
    this.ws();
    if (this.s[this.i] === '}') {
      this.i++;
      this.spans.set(o, { start, end: this.i });
      return o;
    }
    for (;;) {
      this.ws();
      if (this.s[this.i] !== '"') this.fail();
      const k = this.string();
      this.ws();
      if (this.s[this.i] !== ':') this.fail();
      this.i++;
      o[k] = this.value();
      this.ws();
      const c = this.s[this.i];
      if (c === ',') { this.i++; continue; }
      if (c === '}') { this.i++; break; }
      this.fail();
    }
    this.spans.set(o, { start, end: this.i });
    return o;
  }
  array(): unknown[] {
    const start = this.i;
    this.i++;
    const a: unknown[] = [];
    this.ws();
    if (this.s[this.i] === ']') {
      this.i++;
      this.spans.set(a, { start, end: this.i });
      return a;
    }
    for (;;) {
      a.push(this.value());
      this.ws();
      const c = this.s[this.i];
      if (c === ',') { this.i++; continue; }
      if (c === ']') { this.i++; break; }
      this.fail();
    }
    this.spans.set(a, { start, end: this.i });
    return a;
  }
}

function positionOf(text: string, lineStarts: number[], offset: number): Position {
  let lo = 0;
  let hi = lineStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (lineStarts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, column: offset - lineStarts[lo]! + 1 };
}

function lineStartsOf(text: string): number[] {
  const r = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) r.push(i + 1);
  return r;
}

// ---------------------------------------------------------------------------------------------

const TOP = new Set(['Version', 'Id', 'Statement']);
const STMT = new Set(['Sid', 'Effect', 'Action', 'NotAction', 'Resource', 'NotResource', 'Principal', 'NotPrincipal', 'Condition']);
/** Actions a role trust policy may name (STS actions that act on a role). */
const TRUST_ACTIONS = new Set(
  ['sts:*', 'sts:AssumeRole', 'sts:AssumeRoleWithSAML', 'sts:AssumeRoleWithWebIdentity', 'sts:TagSession', 'sts:SetSourceIdentity', 'sts:SetContext'].map((a) => a.toLowerCase()),
);
const PRINCIPAL_TYPES = new Set(['AWS', 'Service', 'Federated', 'CanonicalUser']);

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A string or an array of strings -> array; anything else -> undefined (a syntax error). */
function strings(v: unknown): string[] | undefined {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) {
    for (const x of v) if (typeof x !== 'string') return undefined;
    return v as string[];
  }
  return undefined;
}

function principalSpec(v: unknown): PrincipalSpec | undefined {
  if (v === '*') return '*';
  if (!isObj(v)) return undefined;
  const out: { [k: string]: string[] } = {};
  for (const k of Object.keys(v)) {
    const list = strings(v[k]);
    if (!list) return undefined;
    out[k] = list;
  }
  return out;
}

const ARN_PRINCIPAL = /^arn:aws(?:-cn|-us-gov|-iso|-iso-b|-iso-e|-iso-f|-eusc)?:(iam|sts)::(\d{12}):(.+)$/;

/** Validate the values of a Principal/NotPrincipal (AWS section of reference_policies_elements_principal.html). */
function checkPrincipal(p: PrincipalSpec): PolicyProblem | undefined {
  if (p === '*') return undefined;
  const keys = Object.keys(p);
  if (keys.length === 0) return problem(SYNTAX);
  for (const k of keys) {
    if (!PRINCIPAL_TYPES.has(k)) return problem(`Invalid principal in policy: "${k}":"${p[k]![0] ?? ''}"`);
    for (const v of p[k]!) {
      const bad = problem(`Invalid principal in policy: "${k}":"${v}"`);
      if (v.length === 0) return bad;
      if (k === 'AWS') {
        if (v === '*' || /^\d{12}$/.test(v)) continue;
        const m = ARN_PRINCIPAL.exec(v);
        if (!m) return bad;
        const [, svc, , rest] = m;
        // No partial wildcards in principals (reference_policies_elements_principal.html).
        if (rest!.includes('*') || rest!.includes('?')) return bad;
        if (svc === 'iam' && !(rest === 'root' || /^(user|role)\/.+/.test(rest!))) return bad;
        if (svc === 'sts' && !/^(assumed-role\/[^/]+\/.+|federated-user\/.+)$/.test(rest!)) return bad;
      } else if (v !== '*' && (v.includes('*') || v.includes('?'))) {
        return bad;
      }
    }
  }
  return undefined;
}

const PARTITIONS = new Set(['aws', 'aws-cn', 'aws-us-gov', 'aws-iso', 'aws-iso-b', 'aws-iso-e', 'aws-iso-f', 'aws-eusc']);

/** Resource format rules (IAM's MalformedPolicyDocument texts). */
function checkResource(r: string): string | undefined {
  if (r === '*') return undefined;
  const c1 = r.indexOf(':');
  if (c1 < 0) return `Resource ${r} must be in ARN format or "*".`;
  const parts = r.split(':');
  const partition = parts[1] ?? '';
  if (partition !== '*' && !PARTITIONS.has(partition)) {
    const rest = parts.slice(2);
    const p1 = rest.length > 1 || rest[0] !== '' ? rest[0] ?? '*' : '*';
    const p2 = rest.length > 1 ? rest[1] : '*';
    const p3 = rest.length > 2 ? rest[2] : '*';
    const p4 = rest.length > 3 ? rest.slice(3).join(':') : '*';
    return `Partition "${partition}" is not valid for resource "arn:${partition}:${p1}:${p2}:${p3}:${p4}".`;
  }
  if (parts.length < 3 || parts[2] === '') return 'Resource vendor must be fully qualified and cannot contain regexes.';
  return undefined;
}

export function parsePolicy(text: string, type: PolicyType, opts: ParseOptions = {}): ParsedPolicy | PolicyProblem {
  // 1. JSON + grammar shape.
  const parser = new Parser(text);
  let doc: unknown;
  try {
    doc = parser.value();
    parser.ws();
    if (parser.i !== text.length) return problem(SYNTAX);
  } catch (e) {
    if (e instanceof JsonError) return problem(SYNTAX);
    throw e;
  }
  if (!isObj(doc)) return problem(SYNTAX);
  for (const k of Object.keys(doc)) if (!TOP.has(k)) return problem(SYNTAX);
  const versionRaw = doc.Version;
  if (versionRaw !== undefined && versionRaw !== '2012-10-17' && versionRaw !== '2008-10-17') return problem(SYNTAX);
  if (doc.Id !== undefined && typeof doc.Id !== 'string') return problem(SYNTAX);
  const stRaw = doc.Statement;
  let rawStatements: unknown[];
  if (Array.isArray(stRaw)) rawStatements = stRaw;
  else if (isObj(stRaw)) rawStatements = [stRaw];
  else return problem(SYNTAX);
  if (rawStatements.length === 0) return problem(SYNTAX);

  const lineStarts = lineStartsOf(text);
  const statements: ParsedStatement[] = [];
  for (let index = 0; index < rawStatements.length; index++) {
    const s = rawStatements[index];
    if (!isObj(s)) return problem(SYNTAX);
    for (const k of Object.keys(s)) if (!STMT.has(k)) return problem(SYNTAX);
    if ('Action' in s && 'NotAction' in s) return problem(SYNTAX);
    if ('Resource' in s && 'NotResource' in s) return problem(SYNTAX);
    if ('Principal' in s && 'NotPrincipal' in s) return problem(SYNTAX);
    const effect = s.Effect;
    if (typeof effect !== 'string' || (effect.toLowerCase() !== 'allow' && effect.toLowerCase() !== 'deny')) return problem(SYNTAX);
    if (s.Sid !== undefined && typeof s.Sid !== 'string') return problem(SYNTAX);
    const st: ParsedStatement = {
      index,
      effect: effect as 'Allow' | 'Deny',
      start: { line: 0, column: 0 },
      end: { line: 0, column: 0 },
    };
    if (typeof s.Sid === 'string') st.sid = s.Sid;
    for (const [key, prop] of [
      ['Action', 'action'],
      ['NotAction', 'notAction'],
      ['Resource', 'resource'],
      ['NotResource', 'notResource'],
    ] as const) {
      if (!(key in s)) continue;
      const list = strings(s[key]);
      if (!list) return problem(SYNTAX);
      st[prop] = list;
    }
    for (const [key, prop] of [
      ['Principal', 'principal'],
      ['NotPrincipal', 'notPrincipal'],
    ] as const) {
      if (!(key in s)) continue;
      const spec = principalSpec(s[key]);
      if (!spec) return problem(SYNTAX);
      st[prop] = spec;
    }
    if ('Condition' in s) {
      const c = s.Condition;
      if (!isObj(c)) return problem(SYNTAX);
      for (const op of Object.keys(c)) {
        const block = c[op];
        if (!isObj(block)) return problem(SYNTAX);
        for (const v of Object.values(block)) {
          if (typeof v === 'object' && v !== null && !Array.isArray(v)) return problem(SYNTAX);
          if (v === null) return problem(SYNTAX);
        }
      }
      st.condition = c;
    }
    const span = parser.spans.get(s)!;
    st.start = positionOf(text, lineStarts, span.start);
    st.end = positionOf(text, lineStarts, span.end);
    statements.push(st);
  }

  // 2. Version: managed policies must use 2012-10-17.
  if (opts.kind === 'managed' && versionRaw !== '2012-10-17') {
    return problem('Policy document must be version 2012-10-17 or greater.');
  }
  // 3. Effect must be spelled exactly.
  for (const st of statements) {
    if (st.effect !== 'Allow' && st.effect !== 'Deny') return problem('The policy failed legacy parsing');
  }
  // 4. Sids unique within one policy.
  const sids = new Set<string>();
  for (const st of statements) {
    if (!st.sid) continue;
    if (sids.has(st.sid)) return problem('Statement IDs (SID) in a single policy must be unique.');
    sids.add(st.sid);
  }
  // 5. Actions.
  for (const st of statements) {
    const list = st.action ?? st.notAction;
    if (!list || list.length === 0) return problem('Policy statement must contain actions.');
  }
  // 6. Resource format.
  for (const st of statements) {
    for (const r of st.resource ?? st.notResource ?? []) {
      const err = checkResource(r);
      if (err) return problem(err);
    }
  }
  // 7. Action vendor prefixes.
  for (const st of statements) {
    for (const a of st.action ?? st.notAction!) {
      if (a === '*') continue;
      const parts = a.split(':');
      if (parts.length === 1) return problem('Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.');
      if (parts.length > 2) return problem('Actions/Condition can contain only one colon.');
      if (parts[0] === '' || /[^a-zA-Z0-9\-.*?]/.test(parts[0]!)) return problem(`Vendor ${parts[0]} is not valid`);
    }
  }
  // 8. Per policy type.
  const needsPrincipal = type === 'resource' || type === 'trust';
  for (const st of statements) {
    if (type === 'rcp') {
      // RCP syntax (orgs_manage_policies_rcps_syntax.html): Principal must be "*"; no NotPrincipal.
      if (st.notPrincipal) return problem(SYNTAX);
      const p = st.principal;
      if (p !== undefined && p !== '*' && !(Object.keys(p).length === 1 && p.AWS?.length === 1 && p.AWS[0] === '*')) {
        return problem(SYNTAX);
      }
      if (!st.resource && !st.notResource) return problem('Policy statement must contain resources.');
      continue;
    }
    if (!needsPrincipal) {
      if (st.principal || st.notPrincipal) return problem('Policy document should not specify a principal.');
      if (!st.resource && !st.notResource) return problem('Policy statement must contain resources.');
      if (st.resource && st.resource.length === 0) return problem('Policy statement must contain resources.');
      if (st.notResource && st.notResource.length === 0) return problem('Policy statement must contain resources.');
    } else {
      if (type === 'trust' && st.notPrincipal) return problem(SYNTAX);
      if (!st.principal && !st.notPrincipal) return problem('Missing required field Principal');
      if (st.notPrincipal && st.effect !== 'Deny') return problem(SYNTAX);
      const err = checkPrincipal((st.principal ?? st.notPrincipal)!);
      if (err) return err;
      if (type === 'trust') {
        for (const a of st.action ?? st.notAction!) {
          if (!TRUST_ACTIONS.has(a.toLowerCase())) {
            return problem('Trust Policy statement actions can only be sts:AssumeRole, sts:AssumeRoleWithSAML,  and sts:AssumeRoleWithWebIdentity');
          }
        }
        if (st.resource || st.notResource) return problem('Has prohibited field Resource.');
      } else if (!st.resource && !st.notResource) {
        return problem('Policy statement must contain resources.');
      }
    }
  }
  // 9. Size quota.
  if (opts.kind) {
    const limit = opts.limit ?? QUOTA[opts.kind];
    const size = policySize(text) + (opts.otherInlineChars ?? 0);
    if (size > limit) {
      switch (opts.kind) {
        case 'managed':
          return problem(`Cannot exceed quota for PolicySize: ${limit}`, 'LimitExceeded');
        case 'trust':
          return problem(`Cannot exceed quota for ACLSizePerRole: ${limit}`, 'LimitExceeded');
        default: {
          const entity = opts.kind.slice(0, opts.kind.indexOf('-'));
          return problem(`Maximum policy size of ${limit} bytes exceeded for ${entity} ${opts.entityName ?? ''}`.trimEnd(), 'LimitExceeded');
        }
      }
    }
  }

  const out: ParsedPolicy = {
    version: versionRaw === '2012-10-17' ? '2012-10-17' : '2008-10-17',
    versionGiven: versionRaw !== undefined,
    statements,
    text,
  };
  if (typeof doc.Id === 'string') out.id = doc.Id;
  return out;
}
