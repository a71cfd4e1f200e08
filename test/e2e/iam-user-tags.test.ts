/** TagUser / UntagUser / ListUserTags, with IAM's tag rules (shared with roles). */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { IAMClient, CreateUserCommand, TagUserCommand, UntagUserCommand, ListUserTagsCommand, GetUserCommand, paginateListUserTags } from '@aws-sdk/client-iam';
import { startTestServer, sdkConfig, rejectsWith, type TestServer } from './harness.js';

let s: TestServer;
let iam: IAMClient;
before(async () => {
  s = await startTestServer();
  iam = new IAMClient(sdkConfig(s));
});
after(async () => {
  iam.destroy();
  await s.close();
});

test('tag, overwrite case-insensitively, list, untag', async () => {
  await iam.send(new CreateUserCommand({ UserName: 'erin', Tags: [{ Key: 'team', Value: 'core' }] }));
  await iam.send(new TagUserCommand({ UserName: 'erin', Tags: [{ Key: 'Team', Value: 'edge' }, { Key: 'cost-center', Value: '42' }] }));
  const listed = await iam.send(new ListUserTagsCommand({ UserName: 'erin' }));
  assert.deepEqual(listed.Tags, [{ Key: 'Team', Value: 'edge' }, { Key: 'cost-center', Value: '42' }]);
  assert.equal(listed.IsTruncated, false);
  assert.deepEqual((await iam.send(new GetUserCommand({ UserName: 'erin' }))).User?.Tags, listed.Tags);
  await iam.send(new UntagUserCommand({ UserName: 'erin', TagKeys: ['TEAM'] }));
  assert.deepEqual((await iam.send(new ListUserTagsCommand({ UserName: 'erin' }))).Tags, [{ Key: 'cost-center', Value: '42' }]);
});

test('pagination over tags', async () => {
  await iam.send(new CreateUserCommand({ UserName: 'frank' }));
  await iam.send(new TagUserCommand({ UserName: 'frank', Tags: Array.from({ length: 12 }, (_, i) => ({ Key: `k${i}`, Value: `v${i}` })) }));
  const keys: string[] = [];
  for await (const page of paginateListUserTags({ client: iam, pageSize: 5 }, { UserName: 'frank' })) {
    assert.ok((page.Tags?.length ?? 0) <= 5);
    keys.push(...(page.Tags ?? []).map((t) => t.Key!));
  }
  assert.deepEqual(keys, Array.from({ length: 12 }, (_, i) => `k${i}`));
});

test('errors: duplicate keys, more than 50 tags, unknown user', async () => {
  await iam.send(new CreateUserCommand({ UserName: 'gina' }));
  await rejectsWith(iam.send(new TagUserCommand({ UserName: 'gina', Tags: [{ Key: 'a', Value: '1' }, { Key: 'A', Value: '2' }] })), 'InvalidInputException', 400, 'Duplicate tag keys found. Please note that Tag keys are case insensitive.');
  await rejectsWith(iam.send(new CreateUserCommand({ UserName: 'hugo', Tags: [{ Key: 'x', Value: '1' }, { Key: 'X', Value: '2' }] })), 'InvalidInputException', 400, /Duplicate tag keys/);
  await iam.send(new TagUserCommand({ UserName: 'gina', Tags: Array.from({ length: 45 }, (_, i) => ({ Key: `t${i}`, Value: '' })) }));
  await rejectsWith(iam.send(new TagUserCommand({ UserName: 'gina', Tags: Array.from({ length: 6 }, (_, i) => ({ Key: `u${i}`, Value: '' })) })), 'LimitExceededException', 409, 'Cannot exceed quota for TagsPerUser: 50');
  await rejectsWith(iam.send(new ListUserTagsCommand({ UserName: 'nobody' })), 'NoSuchEntityException', 404, 'The user with name nobody cannot be found.');
});
