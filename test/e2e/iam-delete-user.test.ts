/** DeleteUser waits until every IAM area has let go of the user, answering DeleteConflict as AWS does. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  IAMClient,
  CreateUserCommand,
  DeleteUserCommand,
  CreateGroupCommand,
  AddUserToGroupCommand,
  RemoveUserFromGroupCommand,
  PutUserPolicyCommand,
  DeleteUserPolicyCommand,
  CreatePolicyCommand,
  AttachUserPolicyCommand,
  DetachUserPolicyCommand,
  GetUserCommand,
} from '@aws-sdk/client-iam';
import { startTestServer, sdkConfig, type TestServer } from './harness.js';

let s: TestServer;
before(async () => {
  s = await startTestServer();
});
after(async () => {
  await s.close();
});

const DOC = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iam:GetUser', Resource: '*' }] });

async function conflict(iam: IAMClient, name: string): Promise<string> {
  try {
    await iam.send(new DeleteUserCommand({ UserName: name }));
  } catch (e: any) {
    assert.equal(e.name, 'DeleteConflictException');
    assert.equal(e.$metadata.httpStatusCode, 409);
    return e.message;
  }
  assert.fail('DeleteUser should have been refused');
}

test('group membership, inline and attached policies each block DeleteUser until removed', async () => {
  const iam = new IAMClient(sdkConfig(s));
  await iam.send(new CreateUserCommand({ UserName: 'carol' }));
  await iam.send(new CreateGroupCommand({ GroupName: 'devs' }));
  await iam.send(new AddUserToGroupCommand({ GroupName: 'devs', UserName: 'carol' }));
  await iam.send(new PutUserPolicyCommand({ UserName: 'carol', PolicyName: 'inline', PolicyDocument: DOC }));
  const arn = (await iam.send(new CreatePolicyCommand({ PolicyName: 'managed', PolicyDocument: DOC }))).Policy!.Arn!;
  await iam.send(new AttachUserPolicyCommand({ UserName: 'carol', PolicyArn: arn }));

  assert.equal(await conflict(iam, 'carol'), 'Cannot delete entity, must remove users from group first.');
  await iam.send(new RemoveUserFromGroupCommand({ GroupName: 'devs', UserName: 'carol' }));
  assert.equal(await conflict(iam, 'carol'), 'Cannot delete entity, must delete policies first.');
  await iam.send(new DeleteUserPolicyCommand({ UserName: 'carol', PolicyName: 'inline' }));
  assert.equal(await conflict(iam, 'carol'), 'Cannot delete entity, must detach all policies first.');
  await iam.send(new DetachUserPolicyCommand({ UserName: 'carol', PolicyArn: arn }));

  await iam.send(new DeleteUserCommand({ UserName: 'carol' }));
  await assert.rejects(iam.send(new GetUserCommand({ UserName: 'carol' })), { name: 'NoSuchEntityException' });
});
