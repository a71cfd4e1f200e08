import { test } from 'node:test';
import assert from 'node:assert/strict';
import { detectService } from '../../src/gateway/detect.js';

const empty = Buffer.alloc(0);
function detect(o: Partial<Parameters<typeof detectService>[0]>) {
  return detectService({ rawQuery: '', body: empty, ...o });
}
function svc(o: Partial<Parameters<typeof detectService>[0]>): string | undefined {
  const r = detect(o);
  return r.ok ? r.detection.service.id : undefined;
}

test('the credential scope decides first, even against the host', () => {
  assert.equal(svc({ scopeService: 'sts', host: 'iam.amazonaws.com' }), 'sts');
  assert.equal(svc({ scopeService: 'servicequotas', host: '127.0.0.1:4566' }), 'service-quotas');
  assert.equal(svc({ scopeService: 'rbin' }), 'rbin');
  const r = detect({ scopeService: 'dynamodb' });
  assert.deepEqual(r, { ok: false, reason: 'unserved', name: 'dynamodb' });
});

test('then X-Amz-Target, then the query Version', () => {
  assert.equal(svc({ target: 'ServiceQuotasV20190624.ListServices' }), 'service-quotas');
  assert.equal(detect({ target: 'DynamoDB_20120810.ListTables' }).ok, false);
  assert.equal(svc({ rawQuery: 'Action=ListUsers&Version=2010-05-08' }), 'iam');
  assert.equal(svc({ contentType: 'application/x-www-form-urlencoded', body: Buffer.from('Action=GetCallerIdentity&Version=2011-06-15') }), 'sts');
  assert.equal(svc({ rawQuery: 'Action=DescribeRegions&Version=2016-11-15' }), 'ec2');
  assert.equal(svc({ rawQuery: 'Version=%zz' }), undefined);
});

test('then the Host: AWS endpoint names', () => {
  assert.equal(svc({ host: 'iam.amazonaws.com' }), 'iam');
  assert.equal(svc({ host: 'sts.amazonaws.com' }), 'sts');
  const sts = detect({ host: 'sts.us-west-2.amazonaws.com' });
  assert.ok(sts.ok && sts.detection.service.id === 'sts' && sts.detection.hostRegion === 'us-west-2');
  const ec2 = detect({ host: 'ec2.eu-west-1.amazonaws.com:443' });
  assert.ok(ec2.ok && ec2.detection.service.id === 'ec2' && ec2.detection.hostRegion === 'eu-west-1');
});

test('S3 path style and virtual-host style', () => {
  const path = detect({ host: 's3.us-east-1.amazonaws.com' });
  assert.ok(path.ok && path.detection.service.id === 's3' && path.detection.hostBucket === undefined);
  const vhost = detect({ host: 'my.bucket.s3.eu-central-1.amazonaws.com' });
  assert.ok(vhost.ok && vhost.detection.hostBucket === 'my.bucket' && vhost.detection.hostRegion === 'eu-central-1');
  const local = detect({ host: 'photos.localhost:4566' });
  assert.ok(local.ok && local.detection.service.id === 's3' && local.detection.hostBucket === 'photos');
  const localS3 = detect({ host: 'photos.s3.localhost:4566' });
  assert.ok(localS3.ok && localS3.detection.hostBucket === 'photos');
  const signed = detect({ scopeService: 's3', host: 'photos.localhost:4566' });
  assert.ok(signed.ok && signed.detection.hostBucket === 'photos');
});

test('no default service: a bare loopback request is undetectable', () => {
  assert.deepEqual(detect({ host: '127.0.0.1:4566' }), { ok: false, reason: 'unknown' });
  assert.deepEqual(detect({}), { ok: false, reason: 'unknown' });
});
