import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_REGION,
  REGIONS,
  azIdPrefix,
  findZone,
  getRegion,
  hasIndependentZoneMapping,
  isKnownRegion,
  regionOfZone,
  zonesForAccount,
} from '../../src/regions.js';

const ids = (zs: { zoneId: string }[]) => zs.map((z) => z.zoneId);
const names = (zs: { zoneName: string }[]) => zs.map((z) => z.zoneName);

test('catalogue holds the commercial Regions, sorted and unique', () => {
  assert.ok(REGIONS.length >= 30, `only ${REGIONS.length} regions`);
  const regionNames = REGIONS.map((r) => r.name);
  assert.deepEqual(regionNames, [...regionNames].sort());
  assert.equal(new Set(regionNames).size, regionNames.length);
  for (const r of REGIONS) assert.match(r.name, /^(us|eu|ap|sa|ca|me|af|il|mx)-[a-z]+-\d$/);
  // No other partition leaks in.
  assert.equal(isKnownRegion('cn-north-1'), false);
  assert.equal(isKnownRegion('us-gov-west-1'), false);
  assert.equal(DEFAULT_REGION, 'us-east-1');
  assert.ok(isKnownRegion(DEFAULT_REGION));
});

test('unknown Region is undefined / not known', () => {
  assert.equal(getRegion('us-east-9'), undefined);
  assert.equal(getRegion(''), undefined);
  assert.equal(getRegion('US-EAST-1'), undefined);
  assert.equal(getRegion('constructor'), undefined);
  assert.equal(isKnownRegion('mars-north-1'), false);
  assert.equal(isKnownRegion('toString'), false);
  assert.deepEqual(zonesForAccount('us-east-9', '111122223333'), []);
  assert.equal(hasIndependentZoneMapping('constructor'), false);
});

test('us-east-1 has six zones a-f over use1-az1..az6', () => {
  const r = getRegion('us-east-1')!;
  assert.equal(r.description, 'US East (N. Virginia)');
  assert.equal(r.optInStatus, 'opt-in-not-required');
  assert.deepEqual(names(r.zones), ['a', 'b', 'c', 'd', 'e', 'f'].map((l) => `us-east-1${l}`));
  assert.deepEqual([...ids(r.zones)].sort(), [1, 2, 3, 4, 5, 6].map((n) => `use1-az${n}`));
  // The default mapping is the one moto / AWS examples show.
  assert.equal(r.zones[0]!.zoneId, 'use1-az6');
  for (const z of r.zones) {
    assert.equal(z.zoneType, 'availability-zone');
    assert.equal(z.state, 'available');
  }
});

test('irregular Regions keep their real zone names and ids', () => {
  const cases: Record<string, [string[], string[]]> = {
    'us-west-1': [['us-west-1b', 'us-west-1c'], ['usw1-az1', 'usw1-az3']],
    'us-west-2': [['us-west-2a', 'us-west-2b', 'us-west-2c', 'us-west-2d'], ['usw2-az1', 'usw2-az2', 'usw2-az3', 'usw2-az4']],
    'ap-northeast-1': [['ap-northeast-1a', 'ap-northeast-1c', 'ap-northeast-1d'], ['apne1-az1', 'apne1-az2', 'apne1-az4']],
    'ap-northeast-2': [['ap-northeast-2a', 'ap-northeast-2b', 'ap-northeast-2c', 'ap-northeast-2d'], ['apne2-az1', 'apne2-az2', 'apne2-az3', 'apne2-az4']],
    'ca-central-1': [['ca-central-1a', 'ca-central-1b', 'ca-central-1d'], ['cac1-az1', 'cac1-az2', 'cac1-az4']],
    'mx-central-1': [['mx-central-1a', 'mx-central-1b', 'mx-central-1c'], ['mxc1-az1', 'mxc1-az2', 'mxc1-az3']],
  };
  for (const [region, [zoneNames, zoneIds]] of Object.entries(cases)) {
    const r = getRegion(region)!;
    assert.ok(r, region);
    assert.deepEqual(names(r.zones), zoneNames, region);
    assert.deepEqual([...ids(r.zones)].sort(), zoneIds, region);
  }
});

test('uniform non-alphabetical mappings are the same for every account', () => {
  const expected: Record<string, Record<string, string>> = {
    'eu-central-1': { 'eu-central-1a': 'euc1-az2', 'eu-central-1b': 'euc1-az3', 'eu-central-1c': 'euc1-az1' },
    'eu-west-2': { 'eu-west-2a': 'euw2-az2', 'eu-west-2b': 'euw2-az3', 'eu-west-2c': 'euw2-az1' },
    'ap-south-1': { 'ap-south-1a': 'aps1-az1', 'ap-south-1b': 'aps1-az3', 'ap-south-1c': 'aps1-az2' },
    'ap-northeast-3': { 'ap-northeast-3a': 'apne3-az3', 'ap-northeast-3b': 'apne3-az1', 'ap-northeast-3c': 'apne3-az2' },
    'us-east-2': { 'us-east-2a': 'use2-az1', 'us-east-2b': 'use2-az2', 'us-east-2c': 'use2-az3' },
  };
  for (const [region, mapping] of Object.entries(expected)) {
    assert.equal(hasIndependentZoneMapping(region), false, region);
    for (const account of ['111122223333', '444455556666', '000000000000']) {
      const got = Object.fromEntries(zonesForAccount(region, account).map((z) => [z.zoneName, z.zoneId]));
      assert.deepEqual(got, mapping, `${region} ${account}`);
    }
  }
});

test('every zone belongs to its Region; ids are unique and carry the Region prefix', () => {
  const allIds = new Set<string>();
  for (const r of REGIONS) {
    assert.ok(r.zones.length >= 2, r.name);
    assert.ok(r.zones.length <= 6, r.name);
    const prefix = azIdPrefix(r.name);
    for (const z of r.zones) {
      assert.ok(z.zoneName.startsWith(r.name), `${z.zoneName} in ${r.name}`);
      assert.match(z.zoneName.slice(r.name.length), /^[a-f]$/);
      assert.match(z.zoneId, new RegExp(`^${prefix}-az[1-6]$`));
      assert.ok(!allIds.has(z.zoneId), `duplicate ${z.zoneId}`);
      allIds.add(z.zoneId);
    }
    assert.equal(new Set(ids(r.zones)).size, r.zones.length, r.name);
    assert.equal(new Set(names(r.zones)).size, r.zones.length, r.name);
    assert.deepEqual(names(r.zones), [...names(r.zones)].sort(), r.name);
  }
});

test('AZ ID prefixes follow AWS naming', () => {
  const expected: Record<string, string> = {
    'us-east-1': 'use1', 'us-west-2': 'usw2', 'ap-southeast-2': 'apse2', 'ap-northeast-3': 'apne3',
    'ap-east-2': 'ape2', 'eu-central-2': 'euc2', 'il-central-1': 'ilc1', 'me-south-1': 'mes1',
    'sa-east-1': 'sae1', 'af-south-1': 'afs1', 'ca-west-1': 'caw1', 'eu-north-1': 'eun1',
  };
  for (const [region, prefix] of Object.entries(expected)) assert.equal(azIdPrefix(region), prefix);
  assert.throws(() => azIdPrefix('nowhere'));
});

test('opt-in status matches a new account', () => {
  const defaults = [
    'ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3', 'ap-south-1', 'ap-southeast-1', 'ap-southeast-2',
    'ca-central-1', 'eu-central-1', 'eu-north-1', 'eu-west-1', 'eu-west-2', 'eu-west-3', 'sa-east-1',
    'us-east-1', 'us-east-2', 'us-west-1', 'us-west-2',
  ];
  assert.deepEqual(REGIONS.filter((r) => r.optInStatus === 'opt-in-not-required').map((r) => r.name), defaults);
  for (const name of ['af-south-1', 'ap-east-1', 'me-south-1', 'eu-south-1', 'ap-southeast-3', 'me-central-1',
    'ap-south-2', 'ap-southeast-4', 'eu-south-2', 'eu-central-2', 'il-central-1', 'ca-west-1', 'mx-central-1',
    'ap-southeast-5', 'ap-southeast-7']) {
    assert.equal(getRegion(name)?.optInStatus, 'not-opted-in', name);
  }
});

test('per-account mapping is stable, a bijection, and differs between accounts', () => {
  const independent = REGIONS.filter((r) => hasIndependentZoneMapping(r.name)).map((r) => r.name);
  assert.deepEqual(independent, ['ap-northeast-1', 'ap-southeast-1', 'ap-southeast-2', 'eu-west-1', 'sa-east-1', 'us-east-1', 'us-west-1', 'us-west-2']);
  const accounts = Array.from({ length: 40 }, (_, i) => String(100000000000 + i * 7919));
  for (const region of independent) {
    const r = getRegion(region)!;
    const mappings = new Set<string>();
    for (const account of accounts) {
      const zs = zonesForAccount(region, account);
      // Same names, same id set, one id per name.
      assert.deepEqual(names(zs), names(r.zones));
      assert.deepEqual([...ids(zs)].sort(), [...ids(r.zones)].sort());
      assert.equal(new Set(ids(zs)).size, zs.length);
      // Stable across calls.
      assert.deepEqual(zonesForAccount(region, account), zs);
      mappings.add(ids(zs).join(','));
    }
    // 40 accounts over n! permutations: more than one mapping must appear.
    assert.ok(mappings.size > 1, `${region}: every account got the same mapping`);
    if (r.zones.length >= 3) assert.ok(mappings.size >= 3, `${region}: only ${mappings.size} mappings`);
  }
  // The same account sees different permutations in different Regions, independently.
  assert.notDeepEqual(
    accounts.map((a) => ids(zonesForAccount('us-east-1', a)).map((id) => id.slice(-1)).join('')),
    accounts.map((a) => ids(zonesForAccount('us-west-2', a)).map((id) => id.slice(-1)).join('')),
  );
});

test('returned arrays are copies: callers cannot corrupt the catalogue', () => {
  const zs = zonesForAccount('us-east-1', '123456789012');
  const before = ids(zs);
  zs.pop();
  zs.reverse();
  assert.deepEqual(ids(zonesForAccount('us-east-1', '123456789012')), before);
  const uniform = zonesForAccount('eu-central-1', '123456789012');
  uniform.length = 0;
  assert.equal(getRegion('eu-central-1')!.zones.length, 3);
  assert.throws(() => { (zs[0] as { zoneId: string }).zoneId = 'x'; });
});

test('findZone and regionOfZone', () => {
  const account = '210987654321';
  const zs = zonesForAccount('us-east-1', account);
  const first = zs[0]!;
  assert.deepEqual(findZone('us-east-1', account, first.zoneName), first);
  assert.deepEqual(findZone('us-east-1', account, first.zoneId), first);
  assert.equal(findZone('us-east-1', account, 'us-east-1g'), undefined);
  assert.equal(findZone('us-east-1', account, 'use2-az1'), undefined);
  assert.equal(findZone('us-west-1', account, 'us-west-1a'), undefined);
  assert.equal(regionOfZone('eu-west-3c'), 'eu-west-3');
  assert.equal(regionOfZone('apse2-az3'), 'ap-southeast-2');
  assert.equal(regionOfZone('us-east-1'), undefined);
  assert.equal(regionOfZone('use1-az7'), undefined);
});

test('endpoints', () => {
  const r = getRegion('eu-west-1')!;
  assert.equal(r.endpoint('ec2'), 'ec2.eu-west-1.amazonaws.com');
  assert.equal(r.endpoint('sts'), 'sts.eu-west-1.amazonaws.com');
  assert.equal(r.endpoint('s3'), 's3.eu-west-1.amazonaws.com');
  assert.equal(r.endpoint('iam'), 'iam.amazonaws.com');
  assert.equal(r.endpoint('service-quotas'), 'servicequotas.eu-west-1.amazonaws.com');
  assert.equal(getRegion('ap-southeast-7')!.endpoint('ec2'), 'ec2.ap-southeast-7.amazonaws.com');
});
