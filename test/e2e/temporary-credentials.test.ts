/**
 * Temporary credentials (ASIA... keys with a session token) as the pipeline treats them. STS will
 * issue them (its own issue); here a record is put in the store directly, and the server's clock
 * is moved instead of sleeping.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { STSClient, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { IAMClient, ListUsersCommand } from '@aws-sdk/client-iam';
import { EC2Client, DescribeRegionsCommand } from '@aws-sdk/client-ec2';
import { S3Client, ListBucketsCommand } from '@aws-sdk/client-s3';
import { startTestServer, sdkConfig, ManualClock, type TestServer, type Creds } from './harness.js';
import { putAccessKey } from '../../src/accounts/accounts.js';
import { newAccessKeyId, newSecretAccessKey } from '../../src/accounts/ids.js';

const clock = new ManualClock(Date.now());
let s: TestServer;
let temp: Creds;

before(async () => {
  s = await startTestServer({ clock });
  temp = { accessKeyId: newAccessKeyId(s.accountId, true), secretAccessKey: newSecretAccessKey(), sessionToken: 'FwoGZXIvYXdzEXAMPLE' + 'x'.repeat(200) };
  await s.nimbus.store.write((tx) =>
    putAccessKey(tx, {
      accessKeyId: temp.accessKeyId,
      secretAccessKey: temp.secretAccessKey,
      accountId: s.accountId,
      owner: { type: 'root' },
      status: 'Active',
      createDate: new Date(clock.now()).toISOString(),
      sessionToken: temp.sessionToken,
      expiration: new Date(clock.now().getTime() + 2 * 60 * 1000).toISOString(),
    }),
  );
});
after(async () => {
  await s.close();
});

test('before expiry, the key and its session token authenticate', async () => {
  const id = await new STSClient(sdkConfig(s, temp)).send(new GetCallerIdentityCommand({}));
  assert.equal(id.Account, s.accountId);
  assert.match(temp.accessKeyId, /^ASIA[A-Z2-7]{16}$/);
});

test('a missing or wrong session token is refused', async () => {
  const noToken = { accessKeyId: temp.accessKeyId, secretAccessKey: temp.secretAccessKey };
  await assert.rejects(new STSClient(sdkConfig(s, noToken)).send(new GetCallerIdentityCommand({})), (e: any) => e.name === 'InvalidClientTokenId' && e.$metadata.httpStatusCode === 403);
  const wrong = { ...temp, sessionToken: temp.sessionToken + 'y' };
  await assert.rejects(new IAMClient(sdkConfig(s, wrong)).send(new ListUsersCommand({})), (e: any) => e.name === 'InvalidClientTokenId');
});

test('after expiry every service refuses the credentials with its ExpiredToken form', async () => {
  // The credentials expire two minutes after they were made; the SDK signs with the real time,
  // which stays well within the 15-minute skew of the moved server clock.
  clock.advance(60 * 1000 + 59_000);
  try {
    const id = await new STSClient(sdkConfig(s, temp)).send(new GetCallerIdentityCommand({}));
    assert.equal(id.Account, s.accountId, 'valid one second before expiry');
  } finally {
    clock.advance(2_000);
  }
  await assert.rejects(new STSClient(sdkConfig(s, temp)).send(new GetCallerIdentityCommand({})), (e: any) => {
    assert.equal(e.name, 'ExpiredToken');
    assert.equal(e.$metadata.httpStatusCode, 403);
    assert.equal(e.message, 'The security token included in the request is expired');
    return true;
  });
  await assert.rejects(new IAMClient(sdkConfig(s, temp)).send(new ListUsersCommand({})), { name: 'ExpiredToken' });
  await assert.rejects(new EC2Client(sdkConfig(s, temp)).send(new DescribeRegionsCommand({})), (e: any) => e.$metadata.httpStatusCode >= 400 && /Expired/.test(e.name));
  await assert.rejects(new S3Client({ ...sdkConfig(s, temp), forcePathStyle: true }).send(new ListBucketsCommand({})), (e: any) => {
    assert.equal(e.name, 'ExpiredToken');
    assert.equal(e.$metadata.httpStatusCode, 400);
    return true;
  });
});
