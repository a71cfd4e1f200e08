import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newAccessKeyId, accountFromAccessKeyId, newAccountId, newSecretAccessKey, newUniqueId } from '../../src/accounts/ids.js';
import { upsertIniSection } from '../../src/aws-config.js';

test('access key ids look like AWS and encode their account', () => {
  for (let i = 0; i < 200; i++) {
    const acct = newAccountId();
    assert.match(acct, /^[1-9]\d{11}$/);
    const long = newAccessKeyId(acct);
    const temp = newAccessKeyId(acct, true);
    assert.match(long, /^AKIA[A-Z2-7]{16}$/);
    assert.match(temp, /^ASIA[A-Z2-7]{16}$/);
    assert.equal(accountFromAccessKeyId(long), acct);
    assert.equal(accountFromAccessKeyId(temp), acct);
  }
});

test("decoding matches AWS's published example key", () => {
  // AWS documents that ASIAQNZGKIQY56JQ7WML belongs to account 029608264753 (sts get-access-key-info).
  assert.equal(accountFromAccessKeyId('ASIAQNZGKIQY56JQ7WML'), '029608264753');
  assert.equal(accountFromAccessKeyId('not-a-key'), undefined);
});

test('secrets and unique ids', () => {
  assert.match(newSecretAccessKey(), /^[A-Za-z0-9+/]{40}$/);
  assert.match(newUniqueId('AIDA'), /^AIDA[A-Z2-7]{17}$/);
});

test('INI upsert replaces only its section and keeps the rest', () => {
  const original = '# mine\n[default]\nregion = eu-west-1\n\n[profile other]\nregion = us-west-2\n';
  const once = upsertIniSection(original, 'profile nimbus', { region: 'us-east-1', endpoint_url: 'http://127.0.0.1:4566' });
  assert.match(once, /# mine\n\[default\]\nregion = eu-west-1\n\n\[profile other\]\nregion = us-west-2\n\n\[profile nimbus\]\nregion = us-east-1\nendpoint_url = http:\/\/127.0.0.1:4566\n/);
  const twice = upsertIniSection(once, 'default', { region: 'ap-south-1' });
  assert.match(twice, /\[default\]\nregion = ap-south-1\n\n\[profile other\]/);
  assert.equal(twice.match(/\[default\]/g)?.length, 1);
  assert.ok(twice.includes('[profile nimbus]'));
});
