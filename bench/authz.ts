/**
 * Authorization overhead: an authorized `iam:GetUser` by an IAM user, against the same server
 * with the authorizer replaced by a no-op (bench/authz-server.mjs), in one run.
 *
 * The caller is realistic (issue 3): a user in two groups whose five policies (user inline, user
 * managed, two group managed, one group inline) hold 25 statements with wildcards, NotAction,
 * variables and conditions, plus a permissions boundary. Both servers run as child processes from
 * the compiled dist/; the runs alternate (3 rounds) and medians are reported.
 * Target: authorization adds <= 15% to the cost of the request.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { agent, load, once, prepare, CONCURRENCY, SECONDS, type Creds } from './http.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const ACCOUNT = '111122223333';
const ROOT_CREDS = { accessKeyId: 'AKIAQAAAAAAAAAAAAAAA', secretAccessKey: 'benchbenchbenchbenchbenchbenchbenchbench' };
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

const doc = (Statement: unknown[]) => encodeURIComponent(JSON.stringify({ Version: '2012-10-17', Statement }));
const A = `arn:aws:iam::${ACCOUNT}`;

// 25 statements over 5 policies (+ a boundary), as in bench/policy.ts.
const USER_INLINE = [
  { Sid: 'OwnKeys', Effect: 'Allow', Action: ['iam:*AccessKey*', 'iam:ChangePassword', 'iam:GetUser'], Resource: `${A}:user/\${aws:username}` },
  { Sid: 'OwnHome', Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: 'arn:aws:s3:::home/${aws:username}/*' },
  { Sid: 'Mfa', Effect: 'Allow', Action: ['iam:*MFADevice', 'iam:ListMFADevices'], Resource: [`${A}:mfa/*`, `${A}:user/\${aws:username}`] },
  { Sid: 'Regions', Effect: 'Deny', NotAction: ['iam:*', 'sts:*', 's3:*'], Resource: '*', Condition: { StringNotEquals: { 'aws:RequestedRegion': ['us-east-1', 'eu-west-1'] } } },
  { Sid: 'Tags', Effect: 'Allow', Action: 'iam:TagUser', Resource: `${A}:user/\${aws:username}`, Condition: { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['team', 'cost'] } } },
];
const USER_MANAGED = [
  { Sid: 'Describe', Effect: 'Allow', Action: ['ec2:Describe*', 'ec2:Get*'], Resource: '*' },
  { Sid: 'RunSmall', Effect: 'Allow', Action: 'ec2:RunInstances', Resource: `arn:aws:ec2:*:${ACCOUNT}:instance/*`, Condition: { StringLike: { 'ec2:InstanceType': ['t3.*'] } } },
  { Sid: 'Own', Effect: 'Allow', Action: ['ec2:StopInstances', 'ec2:StartInstances'], Resource: '*', Condition: { StringEquals: { 'aws:ResourceTag/owner': '${aws:username}' } } },
  { Sid: 'Logs', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: `arn:aws:logs:*:${ACCOUNT}:log-group:/app/*` },
  { Sid: 'Sqs', Effect: 'Allow', Action: 'sqs:*', Resource: `arn:aws:sqs:us-east-1:${ACCOUNT}:dev-*` },
];
const GROUP_MANAGED_1 = [
  { Sid: 'Read', Effect: 'Allow', Action: ['s3:Get*', 's3:List*'], Resource: ['arn:aws:s3:::shared', 'arn:aws:s3:::shared/*'] },
  { Sid: 'Team', Effect: 'Allow', Action: 's3:PutObject', Resource: 'arn:aws:s3:::shared/${aws:PrincipalTag/team}/*' },
  { Sid: 'IpGuard', Effect: 'Deny', Action: '*', Resource: '*', Condition: { NotIpAddress: { 'aws:SourceIp': ['127.0.0.0/8', '10.0.0.0/8'] }, Bool: { 'aws:ViaAWSService': 'false' } } },
  { Sid: 'Kms', Effect: 'Allow', Action: ['kms:Decrypt'], Resource: `arn:aws:kms:*:${ACCOUNT}:key/*` },
  { Sid: 'Lambda', Effect: 'Allow', Action: ['lambda:Invoke*'], Resource: `arn:aws:lambda:*:${ACCOUNT}:function:dev-*` },
];
const GROUP_MANAGED_2 = [
  { Sid: 'Cw', Effect: 'Allow', Action: ['cloudwatch:Get*', 'cloudwatch:List*'], Resource: '*' },
  { Sid: 'IamRead', Effect: 'Allow', Action: ['iam:Get*', 'iam:List*'], Resource: `${A}:*` },
  { Sid: 'NoSecrets', Effect: 'Deny', Action: 's3:*', Resource: ['arn:aws:s3:::secrets', 'arn:aws:s3:::secrets/*'] },
  { Sid: 'MfaDeletes', Effect: 'Deny', Action: ['iam:Delete*'], Resource: '*', Condition: { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } } },
  { Sid: 'Time', Effect: 'Allow', Action: 'ssm:GetParameter*', Resource: '*', Condition: { DateGreaterThan: { 'aws:CurrentTime': '2020-01-01T00:00:00Z' } } },
];
const GROUP_INLINE = [
  { Sid: 'Ddb', Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:Query'], Resource: `arn:aws:dynamodb:*:${ACCOUNT}:table/dev-*` },
  { Sid: 'Sns', Effect: 'Allow', Action: 'sns:Publish', Resource: `arn:aws:sns:*:${ACCOUNT}:dev-*` },
  { Sid: 'Ecr', Effect: 'Allow', Action: ['ecr:BatchGet*', 'ecr:GetDownloadUrlForLayer'], Resource: '*' },
  { Sid: 'NoUsersOutsidePath', Effect: 'Deny', Action: 'iam:CreateUser', Resource: '*', Condition: { StringNotLike: { 'aws:RequestTag/team': '*' } } },
  { Sid: 'Sts', Effect: 'Allow', Action: 'sts:GetCallerIdentity', Resource: '*' },
];
const BOUNDARY = [{ Effect: 'Allow', Action: ['iam:*', 's3:*', 'ec2:*', 'sts:*', 'logs:*', 'sqs:*', 'kms:*', 'lambda:*', 'cloudwatch:*', 'ssm:*', 'dynamodb:*', 'sns:*', 'ecr:*'], Resource: '*' }];

function startServer(noAuthz: boolean): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [join(HERE, 'authz-server.mjs')], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, BENCH_ACCOUNT: ACCOUNT, BENCH_KEY_ID: ROOT_CREDS.accessKeyId, BENCH_SECRET: ROOT_CREDS.secretAccessKey, BENCH_NO_AUTHZ: noAuthz ? '1' : '0' },
  });
  return new Promise((resolve, reject) => {
    let buf = '';
    child.stderr!.on('data', (d: Buffer) => {
      buf += d.toString();
      const m = /listening (\d+)/.exec(buf);
      if (m) resolve({ child, port: Number(m[1]) });
    });
    child.once('exit', (c) => reject(new Error(`bench server exited (${c}): ${buf}`)));
  });
}

async function call(port: number, service: string, body: string, creds: Creds = ROOT_CREDS): Promise<string> {
  const r = await once(port, await prepare(port, service, body, creds));
  if (r.status !== 200) throw new Error(`${body.slice(0, 60)} -> ${r.status}: ${r.body}`);
  return r.body;
}

/** Creates the realistic user and returns its GetUser request. */
export async function setUp(port: number) {
  const iam = (q: string) => call(port, 'iam', `Version=2010-05-08&${q}`);
  await iam('Action=CreateUser&UserName=alice&Tags.member.1.Key=team&Tags.member.1.Value=blue');
  const key = await iam('Action=CreateAccessKey&UserName=alice');
  const creds = { accessKeyId: /<AccessKeyId>(.+?)</.exec(key)![1]!, secretAccessKey: /<SecretAccessKey>(.+?)</.exec(key)![1]! };
  await iam(`Action=PutUserPolicy&UserName=alice&PolicyName=inline&PolicyDocument=${doc(USER_INLINE)}`);
  for (const [name, st] of [['user-managed', USER_MANAGED], ['group-managed-1', GROUP_MANAGED_1], ['group-managed-2', GROUP_MANAGED_2], ['boundary', BOUNDARY]] as const) {
    await iam(`Action=CreatePolicy&PolicyName=${name}&PolicyDocument=${doc(st as unknown[])}`);
  }
  await iam(`Action=AttachUserPolicy&UserName=alice&PolicyArn=${A}:policy/user-managed`);
  await iam(`Action=PutUserPermissionsBoundary&UserName=alice&PermissionsBoundary=${A}:policy/boundary`);
  for (const [g, arn] of [['devs', 'group-managed-1'], ['ops', 'group-managed-2']]) {
    await iam(`Action=CreateGroup&GroupName=${g}`);
    await iam(`Action=AddUserToGroup&GroupName=${g}&UserName=alice`);
    await iam(`Action=AttachGroupPolicy&GroupName=${g}&PolicyArn=${A}:policy/${arn}`);
  }
  await iam(`Action=PutGroupPolicy&GroupName=devs&PolicyName=inline&PolicyDocument=${doc(GROUP_INLINE)}`);
  const getUser = await prepare(port, 'iam', 'Action=GetUser&Version=2010-05-08', creds);
  const denied = await prepare(port, 'iam', 'Action=DeleteUser&Version=2010-05-08&UserName=bob', creds);
  return { getUser, denied };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main() {
  const withAuthz = await startServer(false);
  const without = await startServer(true);
  const a = await setUp(withAuthz.port);
  const b = await setUp(without.port);
  // The authorizing server must really decide: GetUser allowed, an unallowed action denied.
  if ((await once(withAuthz.port, a.getUser)).status !== 200) throw new Error('GetUser was not allowed');
  if ((await once(withAuthz.port, a.denied)).status !== 403) throw new Error('DeleteUser was not denied');
  if ((await once(without.port, b.denied)).status === 403) throw new Error('the no-op authorizer still denied');
  await load(withAuthz.port, a.getUser, 1);
  await load(without.port, b.getUser, 1);
  const on: number[] = [];
  const off: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const r1 = await load(without.port, b.getUser);
    const r2 = await load(withAuthz.port, a.getUser);
    if (r1.errors || r2.errors) throw new Error(`errors during load: ${r1.errors} / ${r2.errors}`);
    off.push(r1.rps);
    on.push(r2.rps);
  }
  const rOn = median(on);
  const rOff = median(off);
  const overhead = (rOff / rOn - 1) * 100;
  console.log(`\nauthorization overhead (concurrency ${CONCURRENCY}, ${SECONDS} s x ${ROUNDS} rounds, medians)`);
  console.log(`IAM GetUser, authorizer no-op           ${rOff.toFixed(0).padStart(7)} req/s`);
  console.log(`IAM GetUser, authorized (5 policies+PB) ${rOn.toFixed(0).padStart(7)} req/s`);
  console.log(`authorization adds ${overhead.toFixed(1)}% to the cost of a request; target <= 15%: ${overhead <= 15 ? 'met' : 'NOT met'}`);
  agent.destroy();
  withAuthz.child.kill('SIGTERM');
  without.child.kill('SIGTERM');
}

if (!process.env.BENCH_IMPORT_ONLY) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
