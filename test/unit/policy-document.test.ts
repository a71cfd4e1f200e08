import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePolicy, policySize, type ParsedPolicy } from '../../src/policy/document.js';
import type { PolicyProblem, PolicyType } from '../../src/policy/types.js';

const ok = (text: string, type: PolicyType = 'identity', opts = {}): ParsedPolicy => {
  const r = parsePolicy(text, type, opts);
  assert.ok(!('code' in r), `expected success, got ${JSON.stringify(r)}`);
  return r as ParsedPolicy;
};
const bad = (text: string, type: PolicyType = 'identity', opts = {}): PolicyProblem => {
  const r = parsePolicy(text, type, opts);
  assert.ok('code' in r, `expected a problem for ${text}`);
  return r as PolicyProblem;
};

const doc = (stmt: unknown, extra: Record<string, unknown> = { Version: '2012-10-17' }) =>
  JSON.stringify({ ...extra, Statement: stmt });

const ALLOW = { Effect: 'Allow', Action: 's3:GetObject', Resource: '*' };

// Table: [name (the documented behaviour), document, policy type, expected message]
const malformed: [string, string, PolicyType, string][] = [
  ['invalid JSON is a syntax error', '{not json', 'identity', 'Syntax errors in policy.'],
  ['trailing garbage after the document is a syntax error', doc(ALLOW) + 'x', 'identity', 'Syntax errors in policy.'],
  ['a top-level array is a syntax error', '[]', 'identity', 'Syntax errors in policy.'],
  ['an empty object (no Statement) is a syntax error', '{}', 'identity', 'Syntax errors in policy.'],
  ['an unknown Version value is a syntax error', doc(ALLOW, { Version: '2020-01-01' }), 'identity', 'Syntax errors in policy.'],
  ['Statement null is a syntax error', '{"Version":"2012-10-17","Statement":null}', 'identity', 'Syntax errors in policy.'],
  ['an empty Statement array is a syntax error', doc([]), 'identity', 'Syntax errors in policy.'],
  ['Statement as a string is a syntax error', doc('hello'), 'identity', 'Syntax errors in policy.'],
  ['an unknown top-level field is a syntax error', JSON.stringify({ Version: '2012-10-17', Foo: 1, Statement: ALLOW }), 'identity', 'Syntax errors in policy.'],
  ['an unknown statement field is a syntax error', doc({ ...ALLOW, Foo: 'x' }), 'identity', 'Syntax errors in policy.'],
  ['a missing Effect is a syntax error', doc({ Action: 's3:GetObject', Resource: '*' }), 'identity', 'Syntax errors in policy.'],
  ['Effect other than Allow/Deny is a syntax error', doc({ ...ALLOW, Effect: 'Maybe' }), 'identity', 'Syntax errors in policy.'],
  ['Action and NotAction together are a syntax error', doc({ ...ALLOW, NotAction: 's3:PutObject' }), 'identity', 'Syntax errors in policy.'],
  ['Resource and NotResource together are a syntax error', doc({ ...ALLOW, NotResource: 'arn:aws:s3:::b' }), 'identity', 'Syntax errors in policy.'],
  ['a numeric Action is a syntax error', doc({ ...ALLOW, Action: 123 }), 'identity', 'Syntax errors in policy.'],
  ['a non-string Sid is a syntax error', doc({ ...ALLOW, Sid: 1 }), 'identity', 'Syntax errors in policy.'],
  ['a Condition that is not an object of objects is a syntax error', doc({ ...ALLOW, Condition: { StringEquals: 'x' } }), 'identity', 'Syntax errors in policy.'],
  ['Effect in the wrong case fails legacy parsing', doc({ ...ALLOW, Effect: 'allow' }), 'identity', 'The policy failed legacy parsing'],
  ['Sids must be unique within a policy', doc([{ ...ALLOW, Sid: 'Dup' }, { ...ALLOW, Sid: 'Dup' }]), 'identity', 'Statement IDs (SID) in a single policy must be unique.'],
  ['a statement without Action/NotAction', doc({ Effect: 'Allow', Resource: '*' }), 'identity', 'Policy statement must contain actions.'],
  ['an empty Action array', doc({ ...ALLOW, Action: [] }), 'identity', 'Policy statement must contain actions.'],
  ['an identity statement without Resource', doc({ Effect: 'Allow', Action: 's3:GetObject' }), 'identity', 'Policy statement must contain resources.'],
  ['an empty Resource array', doc({ ...ALLOW, Resource: [] }), 'identity', 'Policy statement must contain resources.'],
  ['an action without a vendor prefix', doc({ ...ALLOW, Action: 'GetObject' }), 'identity', 'Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.'],
  ['an empty action string', doc({ ...ALLOW, Action: '' }), 'identity', 'Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.'],
  ['a NotAction without a vendor prefix', doc({ Effect: 'Allow', NotAction: 'GetObject', Resource: '*' }), 'identity', 'Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.'],
  ['an empty vendor', doc({ ...ALLOW, Action: ':GetObject' }), 'identity', 'Vendor  is not valid'],
  ['a vendor with a space', doc({ ...ALLOW, Action: 'iam :Get' }), 'identity', 'Vendor iam  is not valid'],
  ['a resource that is not an ARN', doc({ ...ALLOW, Resource: 'invalid' }), 'identity', 'Resource invalid must be in ARN format or "*".'],
  ['an unknown partition', doc({ ...ALLOW, Resource: 'arn:aws2:s3:::example-bucket/*' }), 'identity', 'Partition "aws2" is not valid for resource "arn:aws2:s3:::example-bucket/*".'],
  ['identity policies must not name a principal', doc({ ...ALLOW, Principal: '*' }), 'identity', 'Policy document should not specify a principal.'],
  ['session policies must not name a principal', doc({ ...ALLOW, Principal: '*' }), 'session', 'Policy document should not specify a principal.'],
  ['resource policies require Principal', doc(ALLOW), 'resource', 'Missing required field Principal'],
  ['trust policies require Principal', doc({ Effect: 'Allow', Action: 'sts:AssumeRole' }), 'trust', 'Missing required field Principal'],
  ['trust policies prohibit Resource', doc({ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { AWS: '123456789012' }, Resource: '*' }), 'trust', 'Has prohibited field Resource.'],
  ['trust policies only allow role-assumption actions', doc({ Effect: 'Allow', Action: 's3:GetObject', Principal: { AWS: '123456789012' } }), 'trust', 'Trust Policy statement actions can only be sts:AssumeRole, sts:AssumeRoleWithSAML,  and sts:AssumeRoleWithWebIdentity'],
  ['no partial wildcards in principals', doc({ ...ALLOW, Principal: { AWS: 'arn:aws:iam::123456789012:user/*' } }), 'resource', 'Invalid principal in policy: "AWS":"arn:aws:iam::123456789012:user/*"'],
  ['a bare name is not a principal', doc({ ...ALLOW, Principal: { AWS: 'bob' } }), 'resource', 'Invalid principal in policy: "AWS":"bob"'],
  ['NotPrincipal must be used with Deny', doc({ ...ALLOW, NotPrincipal: { AWS: '123456789012' } }), 'resource', 'Syntax errors in policy.'],
  ['NotPrincipal is not supported in trust policies', doc({ Effect: 'Deny', Action: 'sts:AssumeRole', NotPrincipal: { AWS: '123456789012' } }), 'trust', 'Syntax errors in policy.'],
  ['RCP principals must be "*"', doc({ ...ALLOW, Principal: { AWS: '123456789012' } }), 'rcp', 'Syntax errors in policy.'],
];

for (const [name, text, type, message] of malformed) {
  test(`MalformedPolicyDocument: ${name}`, () => {
    const p = bad(text, type);
    assert.equal(p.code, 'MalformedPolicyDocument');
    assert.equal(p.message, message);
  });
}

test('Version: CreatePolicy (managed) requires 2012-10-17 — "Policy document must be version 2012-10-17 or greater."', () => {
  const noVersion = JSON.stringify({ Statement: ALLOW });
  assert.equal(bad(noVersion, 'identity', { kind: 'managed' }).message, 'Policy document must be version 2012-10-17 or greater.');
  assert.equal(bad(doc(ALLOW, { Version: '2008-10-17' }), 'identity', { kind: 'managed' }).message, 'Policy document must be version 2012-10-17 or greater.');
});

test('Version: inline policies may omit Version; it then means 2008-10-17 (reference_policies_elements_version.html)', () => {
  const p = ok(JSON.stringify({ Statement: ALLOW }), 'identity', { kind: 'user-inline', entityName: 'alice' });
  assert.equal(p.version, '2008-10-17');
  assert.equal(p.versionGiven, false);
  assert.equal(ok(doc(ALLOW)).version, '2012-10-17');
});

test('Statement may be a single object or an array; Action/Resource a string or an array', () => {
  const a = ok(doc(ALLOW));
  assert.equal(a.statements.length, 1);
  assert.deepEqual(a.statements[0]!.action, ['s3:GetObject']);
  const b = ok(doc([ALLOW, { Effect: 'Deny', Action: ['s3:PutObject', 's3:DeleteObject'], Resource: ['arn:aws:s3:::b/*'], Sid: 'D' }]));
  assert.equal(b.statements.length, 2);
  assert.deepEqual(b.statements[1]!.action, ['s3:PutObject', 's3:DeleteObject']);
  assert.equal(b.statements[1]!.sid, 'D');
  assert.equal(b.statements[1]!.effect, 'Deny');
});

test('Id is kept; empty Sids are not checked for uniqueness', () => {
  const p = ok(JSON.stringify({ Version: '2012-10-17', Id: 'my-policy', Statement: [{ ...ALLOW, Sid: '' }, { ...ALLOW, Sid: '' }] }));
  assert.equal(p.id, 'my-policy');
});

test('Principal forms accepted in resource policies (reference_policies_elements_principal.html)', () => {
  const forms = [
    '*',
    { AWS: '*' },
    { AWS: '123456789012' },
    { AWS: 'arn:aws:iam::123456789012:root' },
    { AWS: ['arn:aws:iam::123456789012:user/path/alice', 'arn:aws:iam::123456789012:role/r'] },
    { AWS: 'arn:aws:sts::123456789012:assumed-role/r/session' },
    { AWS: 'arn:aws:sts::123456789012:federated-user/bob' },
    { Service: ['ec2.amazonaws.com', 'lambda.amazonaws.com'] },
    { Federated: 'accounts.google.com' },
    { Federated: 'arn:aws:iam::123456789012:saml-provider/idp' },
    { CanonicalUser: '79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be' },
  ];
  for (const principal of forms) ok(doc({ ...ALLOW, Principal: principal }), 'resource');
});

test('positions: 1-based line/column of each statement\'s { and just past its }', () => {
  const text = '{\n  "Version": "2012-10-17",\n  "Statement": [\n    {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},\n    {\n      "Effect": "Deny",\n      "Action": "s3:Delete*",\n      "Resource": "*"\n    }\n  ]\n}';
  const p = ok(text);
  assert.deepEqual(p.statements[0]!.start, { line: 4, column: 5 });
  assert.deepEqual(p.statements[0]!.end, { line: 4, column: 59 });
  assert.deepEqual(p.statements[1]!.start, { line: 5, column: 5 });
  assert.deepEqual(p.statements[1]!.end, { line: 9, column: 6 });
});

test('JSON escapes in strings are decoded', () => {
  const p = ok('{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:Get\\u004fbject","Resource":"arn:aws:s3:::b\\/k"}}');
  assert.deepEqual(p.statements[0]!.action, ['s3:GetObject']);
  assert.deepEqual(p.statements[0]!.resource, ['arn:aws:s3:::b/k']);
});

test('size: IAM does not count whitespace (reference_iam-quotas.html)', () => {
  assert.equal(policySize(' { "a" :\n\t1 }\r\n'), 7);
});

function sized(n: number): string {
  // A valid document of exactly n non-whitespace characters (padding in the Sid).
  const base = doc({ ...ALLOW, Sid: '' });
  const pad = n - policySize(base);
  return doc({ ...ALLOW, Sid: 'x'.repeat(pad) });
}

test('quota: managed policy 6144 -> LimitExceeded "Cannot exceed quota for PolicySize: 6144"', () => {
  ok(sized(6144), 'identity', { kind: 'managed' });
  const p = bad(sized(6145), 'identity', { kind: 'managed' });
  assert.deepEqual(p, { code: 'LimitExceeded', message: 'Cannot exceed quota for PolicySize: 6144' });
});

test('quota: inline policies are aggregate per entity (user 2048, group 5120, role 10240)', () => {
  ok(sized(2048), 'identity', { kind: 'user-inline', entityName: 'alice' });
  assert.deepEqual(bad(sized(2049), 'identity', { kind: 'user-inline', entityName: 'alice' }), {
    code: 'LimitExceeded',
    message: 'Maximum policy size of 2048 bytes exceeded for user alice',
  });
  assert.deepEqual(bad(sized(1500), 'identity', { kind: 'user-inline', entityName: 'alice', otherInlineChars: 600 }), {
    code: 'LimitExceeded',
    message: 'Maximum policy size of 2048 bytes exceeded for user alice',
  });
  ok(sized(5120), 'identity', { kind: 'group-inline', entityName: 'devs' });
  assert.equal(bad(sized(5121), 'identity', { kind: 'group-inline', entityName: 'devs' }).message, 'Maximum policy size of 5120 bytes exceeded for group devs');
  ok(sized(10240), 'identity', { kind: 'role-inline', entityName: 'r' });
  assert.equal(bad(sized(10241), 'identity', { kind: 'role-inline', entityName: 'r' }).message, 'Maximum policy size of 10240 bytes exceeded for role r');
});

test('quota: trust policy 2048 -> "Cannot exceed quota for ACLSizePerRole: 2048"; a raised quota can be passed', () => {
  const trust = (n: number) => {
    const base = doc({ Sid: '', Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { AWS: '123456789012' } });
    return doc({ Sid: 'x'.repeat(n - policySize(base)), Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { AWS: '123456789012' } });
  };
  ok(trust(2048), 'trust', { kind: 'trust' });
  assert.deepEqual(bad(trust(2049), 'trust', { kind: 'trust' }), { code: 'LimitExceeded', message: 'Cannot exceed quota for ACLSizePerRole: 2048' });
  ok(trust(2049), 'trust', { kind: 'trust', limit: 4096 });
});
