/**
 * Policy engine microbenchmark: decisions per second for a realistic principal on one core.
 *
 * The principal is an IAM user in two groups with five policies (user inline, user managed, two
 * group managed, one group inline) holding 25 statements with wildcards, NotAction/NotResource,
 * policy variables and conditions, plus a permissions boundary. Policies are compiled once; the
 * loop decides a rotating mix of requests (allowed, implicitly denied, explicitly denied).
 *
 * Every decision (warm-up and measured loop) is checked against the expected outcome of its request;
 * a mismatch fails the run.
 *
 * Run: node --import tsx bench/policy.ts   (BENCH_SECONDS=3 by default)
 *      npm run build && POLICY_DIST=1 node --import tsx bench/policy.ts   (the compiled engine)
 *      POLICY_ENGINE=<path>/index.js ...   another compiled build (A/B comparisons)
 *      BENCH_VERBOSE=1: each request's decision; BENCH_EACH=1: ns per decision for each request.
 */
import type { CompiledPolicy } from '../src/policy/compile.js';
import type { Decision } from '../src/policy/decide.js';
import type { AuthzRequest, CallerPrincipal } from '../src/policy/types.js';

// POLICY_DIST=1 runs the tsc-compiled engine (`npm run build` first) instead of the sources;
// POLICY_ENGINE=<path to a compiled index.js> runs another build (A/B comparisons).
const engine: typeof import('../src/policy/index.js') = process.env.POLICY_ENGINE
  ? await import(new URL(process.env.POLICY_ENGINE, `file://${process.cwd()}/`).href)
  : process.env.POLICY_DIST
    ? await import(new URL('../dist/src/policy/index.js', import.meta.url).href)
    : await import('../src/policy/index.js');
const { compilePolicy, decide, makeContext } = engine;

const ACCT = '123456789012';
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);

function compile(id: string, statements: unknown[], type: 'identity' | 'boundary' = 'identity'): CompiledPolicy {
  const p = compilePolicy(JSON.stringify({ Version: '2012-10-17', Statement: statements }), { id, type });
  if ('code' in p) throw new Error(`${id}: ${p.message}`);
  return p;
}

const userInline = compile('user/alice/inline', [
  { Sid: 'OwnHome', Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], Resource: 'arn:aws:s3:::home/${aws:username}/*' },
  { Sid: 'ListHome', Effect: 'Allow', Action: 's3:ListBucket', Resource: 'arn:aws:s3:::home', Condition: { StringLike: { 's3:prefix': ['${aws:username}/*', ''] } } },
  { Sid: 'OwnKeys', Effect: 'Allow', Action: ['iam:*AccessKey*', 'iam:ChangePassword', 'iam:GetUser'], Resource: `arn:aws:iam::${ACCT}:user/\${aws:username}` },
  { Sid: 'Mfa', Effect: 'Allow', Action: ['iam:*MFADevice', 'iam:ListMFADevices'], Resource: [`arn:aws:iam::${ACCT}:mfa/*`, `arn:aws:iam::${ACCT}:user/\${aws:username}`] },
  { Sid: 'DenyOutsideRegions', Effect: 'Deny', NotAction: ['iam:*', 'sts:*', 's3:*', 'cloudfront:*'], Resource: '*', Condition: { StringNotEquals: { 'aws:RequestedRegion': ['us-east-1', 'eu-west-1'] } } },
]);
const userManaged = compile(`arn:aws:iam::${ACCT}:policy/dev-ec2`, [
  { Sid: 'Describe', Effect: 'Allow', Action: ['ec2:Describe*', 'ec2:Get*'], Resource: '*' },
  { Sid: 'RunSmall', Effect: 'Allow', Action: 'ec2:RunInstances', Resource: `arn:aws:ec2:*:${ACCT}:instance/*`, Condition: { StringLike: { 'ec2:InstanceType': ['t3.*', 't4g.*'] } } },
  { Sid: 'RunRes', Effect: 'Allow', Action: 'ec2:RunInstances', Resource: [`arn:aws:ec2:*:${ACCT}:network-interface/*`, `arn:aws:ec2:*:${ACCT}:security-group/*`, `arn:aws:ec2:*:${ACCT}:subnet/*`, `arn:aws:ec2:*:${ACCT}:volume/*`, 'arn:aws:ec2:*::image/ami-*'] },
  { Sid: 'OwnInstances', Effect: 'Allow', Action: ['ec2:StartInstances', 'ec2:StopInstances', 'ec2:TerminateInstances'], Resource: `arn:aws:ec2:*:${ACCT}:instance/*`, Condition: { StringEquals: { 'aws:ResourceTag/owner': '${aws:username}' } } },
  { Sid: 'Tags', Effect: 'Allow', Action: 'ec2:CreateTags', Resource: '*', Condition: { StringEquals: { 'ec2:CreateAction': 'RunInstances' } } },
]);
const groupDevs = compile(`arn:aws:iam::${ACCT}:policy/devs`, [
  { Sid: 'ReadBuckets', Effect: 'Allow', Action: ['s3:Get*', 's3:List*'], Resource: ['arn:aws:s3:::shared', 'arn:aws:s3:::shared/*'] },
  { Sid: 'WriteTeam', Effect: 'Allow', Action: 's3:PutObject', Resource: 'arn:aws:s3:::shared/${aws:PrincipalTag/team}/*' },
  { Sid: 'Logs', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:Describe*'], Resource: `arn:aws:logs:*:${ACCT}:log-group:/app/*` },
  { Sid: 'Sqs', Effect: 'Allow', Action: 'sqs:*', Resource: `arn:aws:sqs:us-east-1:${ACCT}:dev-*` },
  { Sid: 'IpGuard', Effect: 'Deny', Action: '*', Resource: '*', Condition: { NotIpAddress: { 'aws:SourceIp': ['10.0.0.0/8', '192.0.2.0/24'] }, Bool: { 'aws:ViaAWSService': 'false' } } },
]);
const groupOps = compile(`arn:aws:iam::${ACCT}:policy/ops-readonly`, [
  { Sid: 'Cw', Effect: 'Allow', Action: ['cloudwatch:Get*', 'cloudwatch:List*', 'cloudwatch:Describe*'], Resource: '*' },
  { Sid: 'IamRead', Effect: 'Allow', Action: ['iam:Get*', 'iam:List*'], Resource: '*' },
  { Sid: 'NoSecrets', Effect: 'Deny', Action: 's3:*', Resource: ['arn:aws:s3:::secrets', 'arn:aws:s3:::secrets/*'] },
  { Sid: 'MfaForWrite', Effect: 'Deny', Action: ['ec2:TerminateInstances', 'iam:Delete*'], Resource: '*', Condition: { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } } },
  { Sid: 'Time', Effect: 'Allow', Action: 'ssm:GetParameter*', Resource: `arn:aws:ssm:*:${ACCT}:parameter/dev/*`, Condition: { DateGreaterThan: { 'aws:CurrentTime': '2020-01-01T00:00:00Z' } } },
]);
const groupInline = compile('group/devs/inline', [
  { Sid: 'Kms', Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey*'], Resource: `arn:aws:kms:*:${ACCT}:key/*`, Condition: { 'ForAnyValue:StringLike': { 'kms:ResourceAliases': 'alias/dev-*' } } },
  { Sid: 'Lambda', Effect: 'Allow', Action: ['lambda:Invoke*', 'lambda:Get*'], Resource: `arn:aws:lambda:*:${ACCT}:function:dev-*` },
  { Sid: 'Dynamo', Effect: 'Allow', Action: 'dynamodb:*', Resource: `arn:aws:dynamodb:*:${ACCT}:table/dev-*`, Condition: { 'ForAllValues:StringEquals': { 'dynamodb:Attributes': ['id', 'name', 'status'] } } },
  { Sid: 'NotSensitive', Effect: 'Allow', Action: 's3:GetObject', NotResource: 'arn:aws:s3:::shared/private/*' },
  { Sid: 'PassRole', Effect: 'Allow', Action: 'iam:PassRole', Resource: `arn:aws:iam::${ACCT}:role/app-*`, Condition: { StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } } },
]);
const boundary = compile(`arn:aws:iam::${ACCT}:policy/boundary`, [
  { Effect: 'Allow', Action: ['s3:*', 'ec2:*', 'iam:*', 'logs:*', 'sqs:*', 'kms:*', 'lambda:*', 'dynamodb:*', 'cloudwatch:*', 'ssm:*'], Resource: '*' },
  { Effect: 'Deny', Action: ['iam:CreateUser', 'iam:DeleteUserPermissionsBoundary', 'iam:PutUserPermissionsBoundary'], Resource: '*' },
], 'boundary');

const identity = [userInline, userManaged, groupDevs, groupOps, groupInline];
const statements = identity.reduce((n, p) => n + p.statements.length, 0);

const principal: CallerPrincipal = { kind: 'user', accountId: ACCT, arn: `arn:aws:iam::${ACCT}:user/alice` };
const context = makeContext({
  'aws:username': 'alice',
  'aws:userid': 'AIDAEXAMPLE',
  'aws:PrincipalArn': principal.arn,
  'aws:PrincipalAccount': ACCT,
  'aws:PrincipalTag/team': 'blue',
  'aws:SourceIp': '10.1.2.3',
  'aws:RequestedRegion': 'us-east-1',
  'aws:SecureTransport': true,
  'aws:ViaAWSService': false,
  'aws:CurrentTime': new Date('2026-01-01T00:00:00Z'),
  'aws:MultiFactorAuthPresent': true,
  'ec2:InstanceType': 't3.micro',
  'aws:ResourceTag/owner': 'alice',
});
const r = (action: string, resource: string): AuthzRequest => ({ action, resource, principal, context });
const requests: AuthzRequest[] = [
  r('s3:GetObject', 'arn:aws:s3:::home/alice/notes.txt'),
  r('s3:PutObject', 'arn:aws:s3:::home/bob/notes.txt'),
  r('s3:GetObject', 'arn:aws:s3:::secrets/key'),
  r('s3:PutObject', 'arn:aws:s3:::shared/blue/x'),
  r('ec2:DescribeInstances', '*'),
  r('ec2:RunInstances', `arn:aws:ec2:us-east-1:${ACCT}:instance/*`),
  r('ec2:TerminateInstances', `arn:aws:ec2:us-east-1:${ACCT}:instance/i-0abc`),
  r('iam:GetUser', `arn:aws:iam::${ACCT}:user/alice`),
  r('iam:CreateUser', `arn:aws:iam::${ACCT}:user/mallory`),
  r('sqs:SendMessage', `arn:aws:sqs:us-east-1:${ACCT}:dev-queue`),
  r('logs:PutLogEvents', `arn:aws:logs:us-east-1:${ACCT}:log-group:/app/web:log-stream:a`),
  r('dynamodb:GetItem', `arn:aws:dynamodb:us-east-1:${ACCT}:table/prod-users`),
  r('rds:DescribeDBInstances', '*'),
  r('ssm:GetParameter', `arn:aws:ssm:us-east-1:${ACCT}:parameter/dev/db-url`),
  r('lambda:InvokeFunction', `arn:aws:lambda:us-east-1:${ACCT}:function:dev-api`),
  r('cloudwatch:GetMetricData', '*'),
];

const input = { identity, boundary };
if (process.env.BENCH_VERBOSE) for (const q of requests) { const d = decide(q, input); console.log(q.action, q.resource, d.decision, d.deniedBy ?? "", d.matched.map((m) => m.sid).join(",")); }
// The expected outcome of every request (the mix must not drift while optimizing the engine).
const EXPECTED: Decision['decision'][] = [
  'Allowed', 'ImplicitDeny', 'ExplicitDeny', 'Allowed', 'Allowed', 'Allowed', 'Allowed', 'Allowed',
  'ExplicitDeny', 'Allowed', 'Allowed', 'ImplicitDeny', 'ImplicitDeny', 'Allowed', 'Allowed', 'Allowed',
];
const tally: Record<string, number> = {};
let sink0 = 0;
for (let i = 0; i < requests.length; i++) {
  const d = decide(requests[i]!, input);
  if (d.decision !== EXPECTED[i]) throw new Error(`${requests[i]!.action} ${requests[i]!.resource}: ${d.decision}, expected ${EXPECTED[i]}`);
  tally[d.decision] = (tally[d.decision] ?? 0) + 1;
}

if (process.env.BENCH_EACH) {
  for (let k = 0; k < 400_000; k++) decide(requests[k & 15]!, input);
  for (const q of requests) {
    const t = process.hrtime.bigint();
    for (let k = 0; k < 200_000; k++) sink0 += decide(q, input).matched.length;
    console.log(`${(Number(process.hrtime.bigint() - t) / 200_000).toFixed(0).padStart(5)} ns  ${q.action} ${q.resource}`);
  }
}

// Warm up, then measure. Every decision in the loop is checked against its expected outcome.
let sink = 0;
let wrong = 0;
for (let i = 0; i < 200_000; i++) {
  const d = decide(requests[i & 15]!, input);
  if (d.decision !== EXPECTED[i & 15]) wrong++;
  sink += d.matched.length;
}
let count = 0;
const t0 = process.hrtime.bigint();
const limit = t0 + BigInt(SECONDS * 1e9);
for (;;) {
  for (let i = 0; i < 10_000; i++) {
    const d = decide(requests[i & 15]!, input);
    if (d.decision !== EXPECTED[i & 15]) wrong++;
    sink += d.matched.length;
  }
  count += 10_000;
  if (process.hrtime.bigint() > limit) break;
}
const secs = Number(process.hrtime.bigint() - t0) / 1e9;
if (wrong !== 0) throw new Error(`${wrong} decisions differed from the expected mix`);
console.log(
  `policy engine${process.env.POLICY_ENGINE ? ` (${process.env.POLICY_ENGINE})` : process.env.POLICY_DIST ? ' (dist)' : ''}: ${Math.round(count / secs).toLocaleString('en-US')} decisions/s ` +
    `(5 identity policies, ${statements} statements + boundary; mix ${JSON.stringify(tally)}; sink ${sink > 0 ? 'ok' : '0'})`,
);
