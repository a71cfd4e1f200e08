/**
 * Service last accessed data below the wire: the AccessTracker's aggregation and write rate, the
 * entities it attributes attempts to, and which services and tracked actions a policy grants.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openStore } from '../../src/store/open.js';
import type { Store, WriteTx } from '../../src/store/types.js';
import type { DecisionRecord } from '../../src/authz/audit.js';
import { AccessTracker, KIND_ACCESS_ACTIVITY, trackedEntityOf, type AccessActivityRecord } from '../../src/authz/last-accessed.js';
import { allowedActions, documentGrantsService, trackedActions } from '../../src/services/iam/last-accessed.js';

const ACCT = '123456789012';
const USER = `arn:aws:iam::${ACCT}:user/team/alice`;
const T = Date.UTC(2025, 0, 1, 10, 0, 12);

function decision(over: Partial<DecisionRecord> = {}): DecisionRecord {
  return {
    requestId: 'r',
    time: new Date(T),
    accountId: ACCT,
    principalArn: USER,
    service: 'iam',
    action: 'iam:GetUser',
    resource: '*',
    region: 'us-east-1',
    decision: 'Allowed',
    matched: [],
    ...over,
  };
}

/** Flushes in a write transaction, counting the puts. */
async function flush(store: Store, tracker: AccessTracker): Promise<number> {
  let puts = 0;
  await store.write(async (tx) => {
    const counting: WriteTx = Object.assign(Object.create(tx) as WriteTx, {
      put: (...args: Parameters<WriteTx['put']>) => {
        puts++;
        return tx.put(...args);
      },
    });
    await tracker.flush(counting);
  });
  return puts;
}

test('trackedEntityOf: users (any path) and role sessions; never root or federated users', () => {
  assert.deepEqual(trackedEntityOf(USER), { type: 'user', name: 'alice' });
  assert.deepEqual(trackedEntityOf(`arn:aws:sts::${ACCT}:assumed-role/Deployer/session-1`), { type: 'role', name: 'Deployer' });
  assert.equal(trackedEntityOf(`arn:aws:iam::${ACCT}:root`), undefined);
  assert.equal(trackedEntityOf(`arn:aws:sts::${ACCT}:federated-user/bob`), undefined);
});

test('one write per entity, action and region per minute; denied attempts count; PassRole and root are ignored', async () => {
  const store = await openStore({ inMemory: true });
  const tracker = new AccessTracker();
  assert.equal(tracker.dirty, false);
  tracker.observe(decision());
  tracker.observe(decision({ time: new Date(T + 30_000) })); // same minute
  tracker.observe(decision({ action: 'iam:ListUsers', decision: 'ImplicitDeny' }));
  tracker.observe(decision({ action: 'iam:PassRole' }));
  tracker.observe(decision({ principalArn: `arn:aws:iam::${ACCT}:root` }));
  assert.equal(tracker.dirty, true);
  assert.equal(await flush(store, tracker), 2);
  assert.equal(tracker.dirty, false);

  const rows = await store.read((tx) => tx.list<AccessActivityRecord>(ACCT, KIND_ACCESS_ACTIVITY));
  assert.deepEqual(
    rows.map((r) => [r.key, r.value.time, r.value.principalArn]),
    [
      ['user/alice/iam/GetUser/us-east-1', '2025-01-01T10:00:00.000Z', USER],
      ['user/alice/iam/ListUsers/us-east-1', '2025-01-01T10:00:00.000Z', USER],
    ],
  );

  // The same minute again: nothing to write, not even a transaction.
  tracker.observe(decision({ time: new Date(T + 40_000) }));
  assert.equal(tracker.dirty, false);
  // A later minute, another region: written.
  tracker.observe(decision({ time: new Date(T + 61_000) }));
  tracker.observe(decision({ time: new Date(T + 61_000), region: 'eu-west-1' }));
  assert.equal(await flush(store, tracker), 2);
  const getUser = await store.read((tx) => tx.get<AccessActivityRecord>(ACCT, KIND_ACCESS_ACTIVITY, 'user/alice/iam/GetUser/us-east-1'));
  assert.equal(getUser?.time, '2025-01-01T10:01:00.000Z');
  await store.close();
});

test('a role session\'s attempts are kept under the role; an older minute never overwrites a newer one', async () => {
  const store = await openStore({ inMemory: true });
  const session = `arn:aws:sts::${ACCT}:assumed-role/Deployer/s1`;
  const a = new AccessTracker();
  a.observe(decision({ principalArn: session, service: 'ec2', action: 'ec2:DescribeRegions', time: new Date(T + 5 * 60_000) }));
  assert.equal(await flush(store, a), 1);
  // Another node (another tracker) saw an older attempt: the stored newer minute stays.
  const b = new AccessTracker();
  b.observe(decision({ principalArn: session, service: 'ec2', action: 'ec2:DescribeRegions' }));
  assert.equal(await flush(store, b), 0);
  const rec = await store.read((tx) => tx.get<AccessActivityRecord>(ACCT, KIND_ACCESS_ACTIVITY, 'role/deployer/ec2/DescribeRegions/us-east-1'));
  assert.equal(rec?.time, '2025-01-01T10:05:00.000Z');
  assert.equal(rec?.principalArn, session);
  await store.close();
});

test('a failed flush keeps its attempts for the next one', async () => {
  const store = await openStore({ inMemory: true });
  const tracker = new AccessTracker();
  tracker.observe(decision());
  await assert.rejects(
    store.write(async (tx) => {
      await tracker.flush(Object.assign(Object.create(tx) as WriteTx, { put: () => Promise.reject(new Error('disk full')) }));
    }),
    /disk full/,
  );
  assert.equal(tracker.dirty, true);
  assert.equal(await flush(store, tracker), 1);
  await store.close();
});

const doc = (Statement: unknown[]) => JSON.stringify({ Version: '2012-10-17', Statement });

test('which actions and services a policy allows: Action globs, NotAction, Deny statements ignored', () => {
  const d = doc([
    { Effect: 'Allow', Action: ['iam:Get*', 'EC2:describeregions'], Resource: '*' },
    { Effect: 'Deny', Action: 's3:*', Resource: '*' },
  ]);
  const iam = allowedActions(d, 'iam');
  assert.ok(iam.has('GetUser') && iam.has('GetRole'));
  assert.ok(!iam.has('ListUsers'));
  assert.deepEqual([...allowedActions(d, 'ec2')], ['DescribeRegions']);
  assert.equal(allowedActions(d, 's3').size, 0);
  assert.equal(documentGrantsService(d, 's3'), false);
  assert.equal(documentGrantsService(d, 'lambda'), false);

  const not = doc([{ Effect: 'Allow', NotAction: ['iam:*', 'lambda:*'], Resource: '*' }]);
  assert.equal(documentGrantsService(not, 'iam'), false);
  assert.equal(documentGrantsService(not, 'ec2'), true);
  assert.equal(documentGrantsService(not, 'lambda'), false);
  assert.equal(documentGrantsService(not, 'dynamodb'), true);
  assert.equal(documentGrantsService(doc([{ Effect: 'Allow', Action: '*', Resource: '*' }]), 'lambda'), true);
  assert.equal(documentGrantsService(doc([{ Effect: 'Allow', Action: 'lam*:Get*', Resource: '*' }]), 'lambda'), true);
});

test('tracked actions: IAM but PassRole, EC2, STS, S3 management actions only; none for Service Quotas', () => {
  assert.ok(trackedActions('iam').has('CreateUser'));
  assert.ok(!trackedActions('iam').has('PassRole'));
  assert.ok(trackedActions('ec2').has('RunInstances'));
  assert.ok(trackedActions('sts').has('AssumeRole'));
  assert.ok(trackedActions('s3').has('CreateBucket'));
  assert.ok(trackedActions('s3').has('PutBucketPolicy'));
  for (const data of ['GetObject', 'PutObject', 'DeleteObject', 'ListBucket']) assert.ok(!trackedActions('s3').has(data), data);
  assert.equal(trackedActions('servicequotas').size, 0);
});

test('a role\'s report: its sessions\' attempts under the role\'s ARN; nothing before the role existed or beyond 400 days', async () => {
  const { buildReport } = await import('../../src/services/iam/last-accessed.js');
  const { KIND_ROLE, KIND_ROLE_POLICY } = await import('../../src/services/iam/roles.js');
  const store = await openStore({ inMemory: true });
  const roleArn = `arn:aws:iam::${ACCT}:role/ops/Deployer`;
  const created = Date.UTC(2024, 0, 1);
  await store.write(async (tx) => {
    await tx.put(ACCT, KIND_ROLE, 'deployer', {
      RoleName: 'Deployer', RoleId: 'AROAEXAMPLE', Arn: roleArn, Path: '/ops/', CreateDate: new Date(created).toISOString(),
      AssumeRolePolicyDocument: '{}', MaxSessionDuration: 3600,
    });
    await tx.put(ACCT, KIND_ROLE_POLICY, 'deployer/ops', { PolicyName: 'ops', PolicyDocument: doc([{ Effect: 'Allow', Action: ['ec2:Describe*', 'sts:GetCallerIdentity'], Resource: '*' }]) });
    const row = (key: string, time: number) => tx.put(ACCT, KIND_ACCESS_ACTIVITY, key, { time: new Date(time).toISOString(), principalArn: `arn:aws:sts::${ACCT}:assumed-role/Deployer/s` });
    await row('role/deployer/ec2/DescribeRegions/us-west-2', Date.UTC(2024, 5, 1, 8, 30));
    await row('role/deployer/ec2/DescribeInstances/eu-west-1', Date.UTC(2024, 4, 1));
    // Before the role was created: an earlier role of the same name.
    await row('role/deployer/sts/GetCallerIdentity/us-east-1', created - 86_400_000);
  });
  const now = new Date(Date.UTC(2024, 6, 1));
  const report = await store.read((tx) => buildReport(tx, ACCT, roleArn, 'ACTION_LEVEL', now));
  assert.deepEqual(report.map((s) => s.ServiceNamespace), ['ec2', 'sts']);
  const ec2 = report[0]!;
  assert.deepEqual(ec2.last, { time: '2024-06-01T08:30:00.000Z', region: 'us-west-2', entity: roleArn });
  assert.equal(ec2.total, 1);
  assert.deepEqual(ec2.entities, [{ info: { Arn: roleArn, Name: 'Deployer', Type: 'ROLE', Id: 'AROAEXAMPLE', Path: '/ops/' }, last: '2024-06-01T08:30:00.000Z' }]);
  const di = ec2.tracked!.find((t) => t.ActionName === 'DescribeInstances')!;
  assert.deepEqual(di.last, { time: '2024-05-01T00:00:00.000Z', region: 'eu-west-1', entity: roleArn });
  assert.equal(report[1]!.last, undefined, 'the earlier role\'s attempt is not this role\'s');
  assert.equal(report[1]!.total, 0);
  // 400 days later, the attempts have left the tracking period.
  const late = await store.read((tx) => buildReport(tx, ACCT, roleArn, 'SERVICE_LEVEL', new Date(Date.UTC(2024, 5, 1, 8, 30) + 401 * 86_400_000)));
  assert.equal(late[0]!.last, undefined);
  assert.equal(late[0]!.tracked, undefined);
  await store.close();
});
