/**
 * EC2 DescribeRegions and DescribeAvailabilityZones end to end, through the JavaScript SDK v3 and
 * the AWS CLI v2.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { EC2Client, DescribeRegionsCommand, DescribeAvailabilityZonesCommand, type AvailabilityZone } from '@aws-sdk/client-ec2';
import { startTestServer, sdkConfig, requireClient, runAwsCli, type TestServer, type Creds, rejectsWith as sdkRejects } from './harness.js';
import { createAccount } from '../../src/accounts/accounts.js';
import { REGIONS, zonesForAccount } from '../../src/regions.js';
import { KIND_REGION_OPT_IN } from '../../src/services/ec2/handlers.js';

let s: TestServer;
before(async () => {
  s = await startTestServer();
});
after(async () => {
  await s.close();
});

const ec2 = (region = 'us-east-1', creds?: Creds) => new EC2Client(sdkConfig(s, creds ?? s.root, region));

/** EC2 answers these with 400 unless told otherwise. */
const rejectsWith = (p: Promise<unknown>, code: string, message: string, status = 400) => sdkRejects(p, code, status, message);

const ENABLED_BY_DEFAULT = REGIONS.filter((r) => r.optInStatus === 'opt-in-not-required').map((r) => r.name);

async function newAccount(accountId: string): Promise<Creds> {
  const { rootKey } = await s.nimbus.store.write((tx) => createAccount(tx, { now: new Date(), accountId }));
  return { accessKeyId: rootKey.accessKeyId, secretAccessKey: rootKey.secretAccessKey };
}

test('DescribeRegions: by default only the Regions enabled for the account', async () => {
  const out = await ec2().send(new DescribeRegionsCommand({}));
  const names = out.Regions!.map((r) => r.RegionName!);
  assert.deepEqual([...names].sort(), [...ENABLED_BY_DEFAULT].sort());
  assert.equal(names.length, 17);
  assert.ok(!names.includes('af-south-1') && !names.includes('me-south-1'));
  for (const r of out.Regions!) {
    assert.equal(r.OptInStatus, 'opt-in-not-required');
    assert.equal(r.Endpoint, `ec2.${r.RegionName}.amazonaws.com`);
  }
  const use1 = out.Regions!.find((r) => r.RegionName === 'us-east-1')!;
  assert.deepEqual(use1.Geography, [{ Name: 'United States of America' }]);
  assert.deepEqual(out.Regions!.find((r) => r.RegionName === 'eu-west-1')!.Geography, [{ Name: 'Ireland' }]);
});

test('DescribeRegions: AllRegions lists every Region with its opt-in status; RegionNames may name disabled ones', async () => {
  const all = await ec2().send(new DescribeRegionsCommand({ AllRegions: true }));
  assert.equal(all.Regions!.length, REGIONS.length);
  const status = new Map(all.Regions!.map((r) => [r.RegionName!, r.OptInStatus!]));
  assert.equal(status.get('us-east-1'), 'opt-in-not-required');
  assert.equal(status.get('af-south-1'), 'not-opted-in');
  assert.equal(status.get('me-south-1'), 'not-opted-in');
  assert.equal(all.Regions!.find((r) => r.RegionName === 'af-south-1')!.Endpoint, 'ec2.af-south-1.amazonaws.com');

  const named = await ec2().send(new DescribeRegionsCommand({ RegionNames: ['af-south-1', 'eu-west-1', 'af-south-1'] }));
  assert.deepEqual(
    named.Regions!.map((r) => [r.RegionName, r.OptInStatus]),
    [
      ['af-south-1', 'not-opted-in'],
      ['eu-west-1', 'opt-in-not-required'],
    ],
  );
});

test('DescribeRegions: filters (endpoint, opt-in-status, region-name, wildcards) and errors', async () => {
  const c = ec2();
  const notOptedIn = await c.send(new DescribeRegionsCommand({ AllRegions: true, Filters: [{ Name: 'opt-in-status', Values: ['not-opted-in'] }] }));
  assert.equal(notOptedIn.Regions!.length, REGIONS.length - 17);
  assert.ok(notOptedIn.Regions!.every((r) => r.OptInStatus === 'not-opted-in'));
  // Without AllRegions the disabled Regions are not candidates at all.
  const none = await c.send(new DescribeRegionsCommand({ Filters: [{ Name: 'opt-in-status', Values: ['not-opted-in'] }] }));
  assert.deepEqual(none.Regions, []);

  const eu = await c.send(new DescribeRegionsCommand({ Filters: [{ Name: 'endpoint', Values: ['*.eu-*'] }] }));
  assert.deepEqual(eu.Regions!.map((r) => r.RegionName), ['eu-central-1', 'eu-north-1', 'eu-west-1', 'eu-west-2', 'eu-west-3']);
  const us = await c.send(
    new DescribeRegionsCommand({
      Filters: [
        { Name: 'region-name', Values: ['us-????-1', 'us-west-*'] },
        { Name: 'endpoint', Values: ['ec2.us-*'] },
      ],
    }),
  );
  assert.deepEqual(us.Regions!.map((r) => r.RegionName), ['us-east-1', 'us-west-1', 'us-west-2']);
  const caseSensitive = await c.send(new DescribeRegionsCommand({ Filters: [{ Name: 'region-name', Values: ['US-EAST-1'] }] }));
  assert.deepEqual(caseSensitive.Regions, []);

  await rejectsWith(c.send(new DescribeRegionsCommand({ RegionNames: ['xx-fake-1'] })), 'InvalidParameterValue', 'Invalid region: [xx-fake-1]');
  await rejectsWith(
    c.send(new DescribeRegionsCommand({ RegionNames: ['us-east-1', 'zz-nowhere-9', 'US-WEST-2'] })),
    'InvalidParameterValue',
    'Invalid region: [zz-nowhere-9, US-WEST-2]',
  );
  await rejectsWith(c.send(new DescribeRegionsCommand({ Filters: [{ Name: 'zone-name', Values: ['x'] }] })), 'InvalidParameterValue', "The filter 'zone-name' is invalid");
  await rejectsWith(c.send(new DescribeRegionsCommand({ DryRun: true })), 'DryRunOperation', 'Request would have succeeded, but DryRun flag is set.', 412);
});

test('DescribeAvailabilityZones in us-east-1 (6 zones) and eu-west-1 (3 zones)', async () => {
  const use1 = (await ec2('us-east-1').send(new DescribeAvailabilityZonesCommand({}))).AvailabilityZones!;
  assert.deepEqual(use1.map((z) => z.ZoneName), ['us-east-1a', 'us-east-1b', 'us-east-1c', 'us-east-1d', 'us-east-1e', 'us-east-1f']);
  assert.deepEqual(use1.map((z) => z.ZoneId).sort(), ['use1-az1', 'use1-az2', 'use1-az3', 'use1-az4', 'use1-az5', 'use1-az6']);
  // The mapping is this account's.
  assert.deepEqual(
    use1.map((z) => [z.ZoneName, z.ZoneId]),
    zonesForAccount('us-east-1', s.accountId).map((z) => [z.zoneName, z.zoneId]),
  );
  assert.deepEqual(use1[0], {
    OptInStatus: 'opt-in-not-required',
    Messages: [],
    RegionName: 'us-east-1',
    ZoneName: 'us-east-1a',
    ZoneId: use1[0]!.ZoneId,
    GroupName: 'us-east-1-zg-1',
    NetworkBorderGroup: 'us-east-1',
    ZoneType: 'availability-zone',
    GroupLongName: 'US East (N. Virginia) 1',
    Geography: [{ Name: 'United States of America' }],
    SubGeography: [{ Name: 'Virginia' }],
    State: 'available',
  } satisfies AvailabilityZone);

  const euw1 = (await ec2('eu-west-1').send(new DescribeAvailabilityZonesCommand({}))).AvailabilityZones!;
  assert.deepEqual(euw1.map((z) => z.ZoneName), ['eu-west-1a', 'eu-west-1b', 'eu-west-1c']);
  assert.deepEqual(euw1.map((z) => z.ZoneId).sort(), ['euw1-az1', 'euw1-az2', 'euw1-az3']);
  for (const z of euw1) {
    assert.equal(z.RegionName, 'eu-west-1');
    assert.equal(z.GroupName, 'eu-west-1-zg-1');
    assert.equal(z.GroupLongName, 'Europe (Ireland) 1');
    assert.deepEqual(z.Geography, [{ Name: 'Ireland' }]);
    assert.equal(z.SubGeography, undefined);
  }
});

test('zone-name -> AZ ID mapping: stable per account, independent between accounts in the old Regions only', async () => {
  const mapping = async (region: string, creds?: Creds) =>
    (await ec2(region, creds).send(new DescribeAvailabilityZonesCommand({}))).AvailabilityZones!.map((z) => `${z.ZoneName}=${z.ZoneId}`);
  const first = await mapping('us-east-1');
  assert.deepEqual(await mapping('us-east-1'), first);
  assert.deepEqual(await mapping('us-east-1'), first);

  // Fixed account ids whose us-east-1 mappings differ (deterministic: SHA-256 of Region + account).
  const a = await newAccount('111111111111');
  const b = await newAccount('222222222222');
  const ma = await mapping('us-east-1', a);
  const mb = await mapping('us-east-1', b);
  assert.notDeepEqual(ma, mb);
  assert.deepEqual(ma, zonesForAccount('us-east-1', '111111111111').map((z) => `${z.zoneName}=${z.zoneId}`));
  // Newer Regions map names to IDs the same way in every account (eu-central-1a is euc1-az2).
  const ea = await mapping('eu-central-1', a);
  assert.deepEqual(ea, await mapping('eu-central-1', b));
  assert.deepEqual(ea, ['eu-central-1a=euc1-az2', 'eu-central-1b=euc1-az3', 'eu-central-1c=euc1-az1']);
});

test('DescribeAvailabilityZones: ZoneNames, ZoneIds, filters and errors', async () => {
  const c = ec2('us-east-1');
  const all = (await c.send(new DescribeAvailabilityZonesCommand({}))).AvailabilityZones!;
  const idOf = (name: string) => all.find((z) => z.ZoneName === name)!.ZoneId!;

  const byId = await c.send(new DescribeAvailabilityZonesCommand({ ZoneIds: [idOf('us-east-1c')] }));
  assert.deepEqual(byId.AvailabilityZones!.map((z) => z.ZoneName), ['us-east-1c']);
  const byName = await c.send(new DescribeAvailabilityZonesCommand({ ZoneNames: ['us-east-1f', 'us-east-1a'] }));
  assert.deepEqual(byName.AvailabilityZones!.map((z) => z.ZoneName), ['us-east-1a', 'us-east-1f']);
  const byFilter = await c.send(new DescribeAvailabilityZonesCommand({ Filters: [{ Name: 'zone-id', Values: [idOf('us-east-1b'), idOf('us-east-1d')] }] }));
  assert.deepEqual(byFilter.AvailabilityZones!.map((z) => z.ZoneName), ['us-east-1b', 'us-east-1d']);
  const wild = await c.send(
    new DescribeAvailabilityZonesCommand({
      Filters: [
        { Name: 'zone-name', Values: ['us-east-1[ab]', '*1?'] },
        { Name: 'state', Values: ['available'] },
        { Name: 'zone-type', Values: ['availability-zone'] },
        { Name: 'group-name', Values: ['us-east-1-zg-*'] },
        { Name: 'region-name', Values: ['us-east-1'] },
        { Name: 'opt-in-status', Values: ['opt-in-not-required'] },
      ],
    }),
  );
  assert.equal(wild.AvailabilityZones!.length, 6);
  const longName = await c.send(new DescribeAvailabilityZonesCommand({ Filters: [{ Name: 'group-long-name', Values: ['US East (N. Virginia) 1'] }] }));
  assert.equal(longName.AvailabilityZones!.length, 6);
  // Fields a zone does not have match nothing, not even '*'.
  const parent = await c.send(new DescribeAvailabilityZonesCommand({ Filters: [{ Name: 'parent-zone-name', Values: ['*'] }] }));
  assert.deepEqual(parent.AvailabilityZones, []);
  const otherRegion = await c.send(new DescribeAvailabilityZonesCommand({ Filters: [{ Name: 'region-name', Values: ['eu-west-1'] }] }));
  assert.deepEqual(otherRegion.AvailabilityZones, []);
  const allAz = await c.send(new DescribeAvailabilityZonesCommand({ AllAvailabilityZones: true }));
  assert.equal(allAz.AvailabilityZones!.length, 6);

  await rejectsWith(c.send(new DescribeAvailabilityZonesCommand({ ZoneNames: ['us-east-1z'] })), 'InvalidParameterValue', 'Invalid availability zone: [us-east-1z]');
  await rejectsWith(
    c.send(new DescribeAvailabilityZonesCommand({ ZoneNames: ['us-east-1a', 'eu-west-1a'] })),
    'InvalidParameterValue',
    'Invalid availability zone: [eu-west-1a]',
  );
  await rejectsWith(c.send(new DescribeAvailabilityZonesCommand({ ZoneIds: ['use1-az9'] })), 'InvalidParameterValue', 'Invalid availability zone-id: [use1-az9]');
  await rejectsWith(
    c.send(new DescribeAvailabilityZonesCommand({ Filters: [{ Name: 'network-border-group', Values: ['us-east-1'] }] })),
    'InvalidParameterValue',
    "The filter 'network-border-group' is invalid",
  );
  await rejectsWith(c.send(new DescribeAvailabilityZonesCommand({ DryRun: true })), 'DryRunOperation', 'Request would have succeeded, but DryRun flag is set.', 412);
});

test('a Region the account has not enabled, and a Region AWS does not have: AuthFailure', async () => {
  const auth = 'AWS was not able to validate the provided access credentials';
  await rejectsWith(ec2('xx-fake-1').send(new DescribeAvailabilityZonesCommand({})), 'AuthFailure', auth, 401);
  await rejectsWith(ec2('xx-fake-1').send(new DescribeRegionsCommand({})), 'AuthFailure', auth, 401);
  await rejectsWith(ec2('me-south-1').send(new DescribeAvailabilityZonesCommand({})), 'AuthFailure', auth, 401);

  // Once the account has opted in (as the Account API will record it), the Region is usable and listed.
  const creds = await newAccount('333333333333');
  await s.nimbus.store.write((tx) => tx.put('333333333333', KIND_REGION_OPT_IN, 'me-south-1', { optInStatus: 'opted-in' }));
  const zones = await ec2('me-south-1', creds).send(new DescribeAvailabilityZonesCommand({}));
  assert.deepEqual(zones.AvailabilityZones!.map((z) => `${z.ZoneName}=${z.ZoneId}`), ['me-south-1a=mes1-az1', 'me-south-1b=mes1-az2', 'me-south-1c=mes1-az3']);
  assert.deepEqual(zones.AvailabilityZones![0]!.Geography, [{ Name: 'Bahrain' }]);
  const regions = await ec2('us-east-1', creds).send(new DescribeRegionsCommand({}));
  assert.equal(regions.Regions!.length, 18);
  assert.equal(regions.Regions!.find((r) => r.RegionName === 'me-south-1')?.OptInStatus, 'opted-in');
  const optedIn = await ec2('me-south-1', creds).send(new DescribeRegionsCommand({ Filters: [{ Name: 'opt-in-status', Values: ['opted-in'] }] }));
  assert.deepEqual(optedIn.Regions!.map((r) => r.RegionName), ['me-south-1']);
  // The default account has not opted in.
  await rejectsWith(ec2('me-south-1').send(new DescribeRegionsCommand({})), 'AuthFailure', auth, 401);
});

test('AWS CLI v2: describe-availability-zones and describe-regions', async (t) => {
  if (!requireClient(t, 'aws-cli')) return;
  const [azs, regions, bad] = await Promise.all([
    runAwsCli(s, ['ec2', 'describe-availability-zones', '--region', 'eu-west-1']),
    runAwsCli(s, ['ec2', 'describe-regions', '--all-regions', '--query', "Regions[?OptInStatus=='not-opted-in'].RegionName"]),
    runAwsCli(s, ['ec2', 'describe-availability-zones', '--region', 'us-east-1', '--zone-names', 'us-east-1a', 'us-east-1q']),
  ]);
  assert.equal(azs.status, 0, azs.stderr);
  assert.deepEqual(azs.json.AvailabilityZones.map((z: any) => z.ZoneName), ['eu-west-1a', 'eu-west-1b', 'eu-west-1c']);
  assert.deepEqual(azs.json.AvailabilityZones.map((z: any) => z.ZoneId).sort(), ['euw1-az1', 'euw1-az2', 'euw1-az3']);
  assert.deepEqual(azs.json.AvailabilityZones[0].Messages, []);
  assert.equal(azs.json.AvailabilityZones[0].GroupName, 'eu-west-1-zg-1');

  assert.equal(regions.status, 0, regions.stderr);
  assert.deepEqual(
    regions.json,
    REGIONS.filter((r) => r.optInStatus === 'not-opted-in').map((r) => r.name),
  );
  assert.ok(regions.json.includes('af-south-1'));

  assert.equal(bad.status, 254);
  assert.match(bad.stderr, /An error occurred \(InvalidParameterValue\) when calling the DescribeAvailabilityZones operation( \(reached max retries: 0\))?: Invalid availability zone: \[us-east-1q\]$/m);
});
