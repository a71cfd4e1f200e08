/**
 * The engine's caches and fast paths (interned resources and their head ids, per-statement flags,
 * scratch arrays handed over to decisions, canonical context keys) must never change a decision.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compilePolicy, type CompiledPolicy } from '../../src/policy/compile.js';
import { decide } from '../../src/policy/decide.js';
import { evaluatePolicy } from '../../src/policy/evaluate.js';
import { makeContext, EMPTY_CONTEXT } from '../../src/policy/context.js';
import type { AuthzRequest, CallerPrincipal, ContextKeys, PolicyType } from '../../src/policy/types.js';

const ACCT = '123456789012';
const ALICE: CallerPrincipal = { kind: 'user', accountId: ACCT, arn: `arn:aws:iam::${ACCT}:user/alice` };

let n = 0;
function pol(statements: Record<string, unknown>[], type: PolicyType = 'identity'): CompiledPolicy {
  const p = compilePolicy(JSON.stringify({ Version: '2012-10-17', Statement: statements }), { id: `fast-${++n}`, type });
  if ('code' in p) throw new Error(`${p.code}: ${p.message}`);
  return p;
}
const req = (action: string, resource: string, context: ContextKeys = EMPTY_CONTEXT): AuthzRequest => ({ action, resource, principal: ALICE, context });
const sids = (refs: { sid?: string }[]) => refs.map((r) => r.sid);

test('a resource decided before a policy with a new head was compiled matches that policy afterwards', () => {
  // Service names no other test uses, so that these heads are new to the head table.
  const svc = `zfast${process.pid}`;
  const res = `arn:aws:${svc}:us-east-1:${ACCT}:thing/x`;
  const other = pol([{ Sid: 'S3', Effect: 'Allow', Action: '*', Resource: 'arn:aws:s3:::b/*' }]);
  // The resource is interned here, while no entry uses its heads.
  assert.equal(decide(req(`${svc}:Get`, res), { identity: [other] }).decision, 'ImplicitDeny');
  assert.deepEqual(evaluatePolicy(other, req(`${svc}:Get`, res)).allows, []);

  const full = pol([{ Sid: 'Full', Effect: 'Allow', Action: `${svc}:*`, Resource: `arn:aws:${svc}:us-east-1:${ACCT}:thing/*` }]);
  const d = decide(req(`${svc}:Get`, res), { identity: [other, full] });
  assert.equal(d.decision, 'Allowed');
  assert.deepEqual(sids(d.matched), ['Full']);

  // A head with fewer literal segments (wildcard region), compiled later still.
  const region = pol([{ Sid: 'AnyRegion', Effect: 'Deny', Action: `${svc}:*`, Resource: `arn:aws:${svc}:*:${ACCT}:thing/*` }]);
  const d2 = decide(req(`${svc}:Get`, res), { identity: [other, full, region] });
  assert.equal(d2.decision, 'ExplicitDeny');
  assert.deepEqual(sids(d2.matched), ['AnyRegion']);
  // Another partition: the head differs, nothing matches.
  assert.equal(decide(req(`${svc}:Get`, `arn:aws-cn:${svc}:us-east-1:${ACCT}:thing/x`), { identity: [full, region] }).decision, 'ImplicitDeny');
});

test('thousands of distinct resources (past the intern table bound) decide like the first ones', () => {
  const p = pol([
    { Sid: 'Read', Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::data/*' },
    { Sid: 'NoSecret', Effect: 'Deny', Action: 's3:GetObject', Resource: 'arn:aws:s3:::data/secret-*' },
    { Sid: 'Exact', Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::other/7' },
  ]);
  const input = { identity: [p] };
  const want = (i: number) => (i % 3 === 0 ? 'ExplicitDeny' : i % 3 === 1 ? 'Allowed' : i === 7 ? 'Allowed' : 'ImplicitDeny');
  const resource = (i: number) => (i % 3 === 0 ? `arn:aws:s3:::data/secret-${i}` : i % 3 === 1 ? `arn:aws:s3:::data/k${i}` : `arn:aws:s3:::other/${i}`);
  for (let round = 0; round < 2; round++) {
    for (let i = 0; i < 10_000; i++) {
      const d = decide(req('s3:GetObject', resource(i)), input);
      if (d.decision !== want(i)) assert.fail(`round ${round}, ${resource(i)}: ${d.decision}, want ${want(i)}`);
    }
  }
});

test('resources that are not ARN-shaped, or end at a colon, match as before', () => {
  const p = pol([
    { Sid: 'All', Effect: 'Allow', Action: 's3:*', Resource: 'arn:aws:s3:::*' },
    { Sid: 'Acct', Effect: 'Allow', Action: 'iam:*', Resource: `arn:aws:iam::${ACCT}:*` },
  ]);
  const allows = (action: string, resource: string) => sids(evaluatePolicy(p, req(action, resource)).allows);
  assert.deepEqual(allows('s3:GetObject', 'arn:aws:s3:::'), ['All']);
  assert.deepEqual(allows('s3:GetObject', 'arn:aws:s3::'), []);
  assert.deepEqual(allows('s3:GetObject', 'arn:aws:s3'), []);
  assert.deepEqual(allows('s3:GetObject', '*'), []);
  assert.deepEqual(allows('s3:GetObject', 'bucket/key'), []);
  assert.deepEqual(allows('iam:GetUser', `arn:aws:iam::${ACCT}:`), ['Acct']);
  assert.deepEqual(allows('iam:GetUser', `arn:aws:iam::${ACCT}:user/a:b:c`), ['Acct']);
  assert.deepEqual(allows('iam:GetUser', `arn:aws:iam::999999999999:user/a`), []);
});

test('literal and prefix resource parts compare every character, not only the ends', () => {
  const p = pol([
    { Sid: 'Lit', Effect: 'Allow', Action: 's3:*', Resource: 'arn:aws:s3:::abcdef' },
    { Sid: 'Pre', Effect: 'Allow', Action: 's3:*', Resource: 'arn:aws:s3:::log-group:/app/*' },
    { Sid: 'Empty', Effect: 'Allow', Action: 'ec2:*', Resource: `arn:aws:ec2::${ACCT}:x` },
  ]);
  const allows = (action: string, resource: string) => sids(evaluatePolicy(p, req(action, resource)).allows);
  assert.deepEqual(allows('s3:GetObject', 'arn:aws:s3:::abcdef'), ['Lit']);
  assert.deepEqual(allows('s3:GetObject', 'arn:aws:s3:::abXdef'), []);
  assert.deepEqual(allows('s3:GetObject', 'arn:aws:s3:::abcdeX'), []);
  assert.deepEqual(allows('s3:GetObject', 'arn:aws:s3:::log-group:/app/web'), ['Pre']);
  assert.deepEqual(allows('s3:GetObject', 'arn:aws:s3:::log-group:/apq/web'), []);
  assert.deepEqual(allows('s3:GetObject', 'arn:aws:s3:::log-group:/app'), []);
  assert.deepEqual(allows('ec2:RunInstances', `arn:aws:ec2::${ACCT}:x`), ['Empty']);
  assert.deepEqual(allows('ec2:RunInstances', `arn:aws:ec2:r:${ACCT}:x`), []);
});

test('NotResource "*" never applies, whatever its effect', () => {
  const p = pol([
    { Sid: 'NeverAllow', Effect: 'Allow', Action: 's3:*', NotResource: '*' },
    { Sid: 'NeverDeny', Effect: 'Deny', Action: 's3:*', NotResource: ['arn:aws:s3:::x', '*'], Condition: { StringEquals: { 'aws:username': 'alice' } } },
    { Sid: 'Allow', Effect: 'Allow', Action: 's3:*', Resource: '*' },
  ]);
  const d = decide(req('s3:GetObject', 'arn:aws:s3:::b/k'), { identity: [p] });
  assert.equal(d.decision, 'Allowed');
  assert.deepEqual(sids(d.matched), ['Allow']);
  // The Condition of a statement whose resource cannot match is never evaluated: no missing key.
  assert.deepEqual(d.missingKeys, []);
});

test('decisions own their arrays: the next decision neither reuses nor sees them', () => {
  const p = pol([
    { Sid: 'D1', Effect: 'Deny', Action: 's3:Delete*', Resource: '*' },
    { Sid: 'D2', Effect: 'Deny', Action: 's3:DeleteObject', Resource: '*', Condition: { StringEquals: { 'aws:PrincipalTag/team': 'red' } } },
    { Sid: 'A', Effect: 'Allow', Action: 's3:*', Resource: '*' },
  ]);
  const ctx = makeContext({ 'aws:PrincipalTag/team': 'red' });
  const first = decide(req('s3:DeleteObject', 'arn:aws:s3:::b/k', ctx), { identity: [p] });
  assert.deepEqual(sids(first.matched), ['D1', 'D2']);
  const second = decide(req('s3:DeleteBucket', 'arn:aws:s3:::b', ctx), { identity: [p] });
  assert.notEqual(second.matched, first.matched);
  assert.deepEqual(sids(first.matched), ['D1', 'D2']);
  assert.deepEqual(sids(second.matched), ['D1']);
  first.matched.length = 0;
  assert.deepEqual(sids(decide(req('s3:DeleteObject', 'arn:aws:s3:::b/k', ctx), { identity: [p] }).matched), ['D1', 'D2']);

  // Missing keys likewise.
  const q = pol([{ Sid: 'C', Effect: 'Allow', Action: 's3:*', Resource: '*', Condition: { StringEquals: { 's3:prefix': 'a', 'aws:SourceVpc': 'v' } } }]);
  const m1 = decide(req('s3:ListBucket', 'arn:aws:s3:::b'), { identity: [q] });
  assert.deepEqual(m1.missingKeys, ['s3:prefix', 'aws:SourceVpc']);
  const m2 = decide(req('s3:ListBucket', 'arn:aws:s3:::b'), { identity: [q] });
  assert.notEqual(m2.missingKeys, m1.missingKeys);
  m1.missingKeys.push('junk');
  assert.deepEqual(m2.missingKeys, ['s3:prefix', 'aws:SourceVpc']);
  assert.deepEqual(decide(req('s3:ListBucket', 'arn:aws:s3:::b'), { identity: [q] }).missingKeys, ['s3:prefix', 'aws:SourceVpc']);
});

test('allowed decisions list every granting statement in order, across policy kinds', () => {
  const a = pol([{ Sid: 'A1', Effect: 'Allow', Action: 's3:*', Resource: '*' }, { Sid: 'A2', Effect: 'Allow', Action: 's3:Get*', Resource: 'arn:aws:s3:::b/*' }]);
  const b = pol([{ Sid: 'B1', Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }]);
  const boundary = pol([{ Sid: 'BD', Effect: 'Allow', Action: '*', Resource: '*' }], 'boundary');
  const d = decide(req('s3:GetObject', 'arn:aws:s3:::b/k'), { identity: [a, b], boundary });
  assert.equal(d.decision, 'Allowed');
  assert.deepEqual(sids(d.matched), ['A1', 'A2', 'B1', 'BD']);
  const again = decide(req('s3:GetObject', 'arn:aws:s3:::b/k'), { identity: [a, b], boundary });
  assert.notEqual(again.matched, d.matched);
  assert.deepEqual(sids(again.matched), ['A1', 'A2', 'B1', 'BD']);
});

test('context key names stay case-insensitive on both sides (canonical lower-cased names)', () => {
  const p = pol([
    { Sid: 'Home', Effect: 'Allow', Action: 's3:*', Resource: 'arn:aws:s3:::home/${AWS:UserName}/*' },
    { Sid: 'Team', Effect: 'Allow', Action: 's3:*', Resource: '*', Condition: { StringEquals: { 'aws:principaltag/TEAM': 'blue' } } },
    { Sid: 'Multi', Effect: 'Allow', Action: 's3:*', Resource: '*', Condition: { 'ForAnyValue:StringEquals': { 'AWS:TagKeys': 'k2' } } },
  ]);
  const ctx = makeContext({ 'aws:USERNAME': 'Alice', 'AWS:PrincipalTag/Team': 'blue', 'aws:tagkeys': ['k1', 'k2'] });
  assert.deepEqual(ctx.get('AWS:USERNAME'), ['Alice']);
  assert.deepEqual(ctx.get('aws:username'), ['Alice']);
  assert.equal(ctx.isMulti('AWS:TAGKEYS'), true);
  assert.deepEqual(sids(evaluatePolicy(p, req('s3:GetObject', 'arn:aws:s3:::home/Alice/x', ctx)).allows), ['Home', 'Team', 'Multi']);
  assert.deepEqual(sids(evaluatePolicy(p, req('s3:GetObject', 'arn:aws:s3:::home/alice/x', ctx)).allows), ['Team', 'Multi']);
  const other = makeContext({ 'Aws:UserName': 'bob', 'aws:PrincipalTag/team': 'red' });
  assert.deepEqual(sids(evaluatePolicy(p, req('s3:GetObject', 'arn:aws:s3:::home/bob/x', other)).allows), ['Home']);
});
