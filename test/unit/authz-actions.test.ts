import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SERVICES } from '../../src/gateway/services.js';
import { actionFor, serviceAuthz, UNAUTHORIZED_OPERATIONS } from '../../src/authz/actions.js';

test('every implemented operation maps to an action of the Service Authorization Reference', () => {
  const missing: string[] = [];
  let checked = 0;
  for (const svc of Object.values(SERVICES)) {
    for (const op of Object.keys(svc.handlers)) {
      checked++;
      if (!actionFor(svc.id, op)) missing.push(`${svc.id}:${op}`);
    }
  }
  assert.ok(checked > 40, `only ${checked} implemented operations found`);
  assert.deepEqual(missing, [], 'implemented operations without an authorization entry');
});

test('reference facts as AWS documents them', () => {
  const getUser = actionFor('iam', 'GetUser')!;
  assert.equal(getUser.action, 'iam:GetUser');
  assert.equal(getUser.def.accessLevel, 'Read');
  assert.deepEqual(getUser.def.resourceTypes.map((r) => r.name), ['user']);
  assert.equal(serviceAuthz('iam').resourceTypes.user!.arn, 'arn:${Partition}:iam::${Account}:user/${UserNameWithPath}');
  const run = actionFor('ec2', 'RunInstances')!;
  for (const t of ['image', 'instance', 'network-interface', 'security-group', 'subnet', 'volume']) {
    assert.ok(run.def.resourceTypes.some((r) => r.name === t), `RunInstances is authorized on ${t}`);
  }
  assert.ok(actionFor('service-quotas', 'GetServiceQuota'));
  assert.equal(actionFor('iam', 'NoSuchOperation'), undefined);
  assert.ok(UNAUTHORIZED_OPERATIONS.sts!.has('GetCallerIdentity'));
});
