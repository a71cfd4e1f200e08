/**
 * EC2 handlers. Regions and Availability Zones first; instances, AMIs, key pairs, security groups
 * and volumes follow in their own issues.
 *
 * DescribeRegions / DescribeAvailabilityZones answer from the catalogue in src/regions.ts, seen
 * through the caller's account (its opt-in state, its zone-name -> AZ ID mapping).
 *
 * Fidelity notes (AWS behaviour matched here):
 * - DescribeRegions without `AllRegions` lists the Regions enabled for the account
 *   (`opt-in-not-required` and `opted-in`); with `AllRegions` every Region, each with its
 *   `OptInStatus`. `RegionNames` may name any Region, enabled or not, and such a Region is listed
 *   whatever `AllRegions` says. `Endpoint` is `ec2.<region>.amazonaws.com`. Filters: `endpoint`,
 *   `opt-in-status`, `region-name`.
 * - An unknown `RegionName`: `InvalidParameterValue` "Invalid region: [xx-fake-1]" (AWS's wording
 *   as quoted in public error reports; with several unknown names Nimbus lists them all, in request
 *   order, comma-separated inside the brackets).
 * - DescribeAvailabilityZones lists the zones of the request's Region (the signing Region) as the
 *   calling account names them: zone names map to AZ IDs per account in the oldest Regions
 *   (`zonesForAccount`). Each zone: `State` `available`, `OptInStatus` `opt-in-not-required`,
 *   `Messages` [], `ZoneType` `availability-zone`, `NetworkBorderGroup` `<region>`, and, as AWS
 *   answers today (EC2 User Guide, "AWS Availability Zones", describe-availability-zones output),
 *   `GroupName` `<region>-zg-1`, `GroupLongName` `<Region description> 1` (e.g. "US East (Ohio) 1"),
 *   `Geography` [country] and, for US Regions, `SubGeography` [state].
 *   `DescribeRegions` items carry the same `Geography`.
 * - Unknown `ZoneName`s (including zones of another Region): `InvalidParameterValue`
 *   "Invalid availability zone: [us-east-1z]"; unknown `ZoneId`s: "Invalid availability zone-id:
 *   [use1-az9]". `AllAvailabilityZones` changes nothing here: it only adds not-opted-in Local and
 *   Wavelength Zones, which Nimbus does not have.
 * - Zone filters: `group-long-name`, `group-name`, `message`, `opt-in-status`, `parent-zone-id`,
 *   `parent-zone-name`, `region-name`, `state`, `zone-id`, `zone-name`, `zone-type`; any other
 *   name (e.g. `network-border-group`, `tag:Name`) is "The filter 'x' is invalid". Filter values
 *   take `*` / `?` wildcards (see filters.ts).
 * - A Region the account has not enabled, or a Region AWS does not have (signing Region
 *   `xx-fake-1`): every EC2 call there is refused with `AuthFailure` (401) "AWS was not able to
 *   validate the provided access credentials". That is what EC2 answers in an opt-in Region the
 *   account has not enabled; for a Region that does not exist, AWS has no endpoint at all (the
 *   client fails on DNS), and a request signed for it but sent to a real endpoint fails its
 *   signature check, which EC2 also reports as `AuthFailure`. Nimbus, reached at one address for
 *   every Region, answers the same.
 * - `DryRun`: `DryRunOperation` (412) "Request would have succeeded, but DryRun flag is set."
 *   (every caller is allowed until the policy engine lands).
 * - The answers are sorted by Region / zone name; AWS documents no order.
 *
 * By design:
 * - Region opt-in state is read from the store (scope: account id, kind `account.region-opt-in`,
 *   key: Region, value `{ optInStatus: 'opted-in' | 'not-opted-in' }`); nothing writes it until the
 *   Account API (EnableRegion/DisableRegion) lands, so every account sees the catalogue's defaults:
 *   Regions launched after March 2019 are `not-opted-in`.
 *
 * Gaps: `ZoneNames` and `ZoneIds` given together select the union of both (AWS's answer to the
 * combination is not documented); the exact message for several unknown names at once and for
 * unknown zone IDs is not confirmed against AWS; Local Zones, Wavelength Zones, zone `Messages`
 * and impaired states are not modelled.
 */
import type { HandlerContext } from '../../gateway/context.js';
import type { ReadTx } from '../../store/types.js';
import { ServiceError } from '../../gateway/errors.js';
import { REGIONS, getRegion, zonesForAccount, type RegionInfo } from '../../regions.js';
import type { AvailabilityZone, Ec2Handlers, Region } from '../../generated/ec2.js';
import { compileFilters, matchesFilters, type FilterSpec } from './filters.js';

export type RegionOptInStatus = 'opt-in-not-required' | 'opted-in' | 'not-opted-in';

/** Store kind (scope: account id, key: Region code) holding an account's opt-in choice for a Region. */
export const KIND_REGION_OPT_IN = 'account.region-opt-in';

export interface RegionOptInRecord {
  optInStatus: 'opted-in' | 'not-opted-in';
}

/**
 * The opt-in status of `region` for `accountId`: `opt-in-not-required` for the Regions enabled in
 * every account, else the account's recorded choice, else `not-opted-in`; undefined for an
 * unknown Region.
 */
export async function regionOptInStatus(tx: ReadTx, accountId: string, region: string): Promise<RegionOptInStatus | undefined> {
  const info = getRegion(region);
  if (!info) return undefined;
  if (info.optInStatus === 'opt-in-not-required') return info.optInStatus;
  const rec = await tx.get<RegionOptInRecord>(accountId, KIND_REGION_OPT_IN, region);
  return rec?.optInStatus ?? info.optInStatus;
}

/** Every Region's opt-in status for `accountId`, in one read. */
async function regionOptInStatuses(tx: ReadTx, accountId: string): Promise<Map<string, RegionOptInStatus>> {
  const chosen = new Map<string, RegionOptInStatus>();
  for (const e of await tx.list<RegionOptInRecord>(accountId, KIND_REGION_OPT_IN)) chosen.set(e.key, e.value.optInStatus);
  const out = new Map<string, RegionOptInStatus>();
  for (const r of REGIONS) out.set(r.name, r.optInStatus === 'opt-in-not-required' ? r.optInStatus : (chosen.get(r.name) ?? r.optInStatus));
  return out;
}

const isEnabled = (s: RegionOptInStatus | undefined) => s === 'opt-in-not-required' || s === 'opted-in';

function authFailure(): ServiceError {
  return new ServiceError('AuthFailure', 'AWS was not able to validate the provided access credentials', 401);
}

/** The request's Region, if it exists and the account may use it; AuthFailure otherwise. */
async function requestRegion(ctx: HandlerContext): Promise<RegionInfo> {
  const info = getRegion(ctx.region);
  if (!info || !isEnabled(await regionOptInStatus(ctx.readTx, ctx.accountId, info.name))) throw authFailure();
  return info;
}

function checkDryRun(dryRun: boolean | undefined): void {
  if (dryRun) throw new ServiceError('DryRunOperation', 'Request would have succeeded, but DryRun flag is set.', 412);
}

/** Distinct values of `requested` (request order) that `known` lacks. */
function unknownValues(requested: readonly string[], known: (v: string) => boolean): string[] {
  return [...new Set(requested)].filter((v) => !known(v));
}

// --- Geography (EC2 User Guide, "AWS Availability Zones": the geography of each zone) ---

const US_STATES: Readonly<Record<string, string>> = {
  'us-east-1': 'Virginia',
  'us-east-2': 'Ohio',
  'us-west-1': 'California',
  'us-west-2': 'Oregon',
};

const COUNTRIES: Readonly<Record<string, string>> = {
  'af-south-1': 'South Africa',
  'ap-east-1': 'Hong Kong',
  'ap-east-2': 'Taiwan',
  'ap-northeast-1': 'Japan',
  'ap-northeast-2': 'South Korea',
  'ap-northeast-3': 'Japan',
  'ap-south-1': 'India',
  'ap-south-2': 'India',
  'ap-southeast-1': 'Singapore',
  'ap-southeast-2': 'Australia',
  'ap-southeast-3': 'Indonesia',
  'ap-southeast-4': 'Australia',
  'ap-southeast-5': 'Malaysia',
  'ap-southeast-6': 'New Zealand',
  'ap-southeast-7': 'Thailand',
  'ca-central-1': 'Canada',
  'ca-west-1': 'Canada',
  'eu-central-1': 'Germany',
  'eu-central-2': 'Switzerland',
  'eu-north-1': 'Sweden',
  'eu-south-1': 'Italy',
  'eu-south-2': 'Spain',
  'eu-west-1': 'Ireland',
  'eu-west-2': 'United Kingdom',
  'eu-west-3': 'France',
  'il-central-1': 'Israel',
  'me-central-1': 'United Arab Emirates',
  'me-south-1': 'Bahrain',
  'mx-central-1': 'Mexico',
  'sa-east-1': 'Brazil',
  'us-east-1': 'United States of America',
  'us-east-2': 'United States of America',
  'us-west-1': 'United States of America',
  'us-west-2': 'United States of America',
};

function geography(region: string): { Name: string }[] | undefined {
  const country = COUNTRIES[region];
  return country === undefined ? undefined : [{ Name: country }];
}

function subGeography(region: string): { Name: string }[] | undefined {
  const state = US_STATES[region];
  return state === undefined ? undefined : [{ Name: state }];
}

// --- Output items and their filters ---

type RegionItem = Region & { RegionName: string; Endpoint: string; OptInStatus: RegionOptInStatus };

function regionItem(info: RegionInfo, status: RegionOptInStatus): RegionItem {
  return { RegionName: info.name, Endpoint: info.endpoint('ec2'), OptInStatus: status, Geography: geography(info.name) };
}

const REGION_FILTERS: FilterSpec<RegionItem> = {
  fields: {
    endpoint: (r) => r.Endpoint,
    'opt-in-status': (r) => r.OptInStatus,
    'region-name': (r) => r.RegionName,
  },
};

function zoneItems(info: RegionInfo, accountId: string): AvailabilityZone[] {
  return zonesForAccount(info.name, accountId).map((z) => ({
    OptInStatus: 'opt-in-not-required',
    Messages: [],
    RegionName: info.name,
    ZoneName: z.zoneName,
    ZoneId: z.zoneId,
    GroupName: `${info.name}-zg-1`,
    NetworkBorderGroup: info.name,
    ZoneType: z.zoneType,
    GroupLongName: `${info.description} 1`,
    Geography: geography(info.name),
    SubGeography: subGeography(info.name),
    State: z.state,
  }));
}

const ZONE_FILTERS: FilterSpec<AvailabilityZone> = {
  fields: {
    'group-long-name': (z) => z.GroupLongName,
    'group-name': (z) => z.GroupName,
    message: (z) => (z.Messages ?? []).map((m) => m.Message),
    'opt-in-status': (z) => z.OptInStatus,
    'parent-zone-id': (z) => z.ParentZoneId,
    'parent-zone-name': (z) => z.ParentZoneName,
    'region-name': (z) => z.RegionName,
    state: (z) => z.State,
    'zone-id': (z) => z.ZoneId,
    'zone-name': (z) => z.ZoneName,
    'zone-type': (z) => z.ZoneType,
  },
};

const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export const ec2Handlers: Ec2Handlers = {
  async DescribeRegions(input, ctx) {
    await requestRegion(ctx);
    checkDryRun(input.DryRun);
    const filters = compileFilters(input.Filters, REGION_FILTERS);
    const names = input.RegionNames ?? [];
    const unknown = unknownValues(names, (n) => getRegion(n) !== undefined);
    if (unknown.length > 0) throw new ServiceError('InvalidParameterValue', `Invalid region: [${unknown.join(', ')}]`, 400);

    const statuses = await regionOptInStatuses(ctx.readTx, ctx.accountId);
    const named = new Set(names);
    const regions: RegionItem[] = [];
    for (const info of REGIONS) {
      const status = statuses.get(info.name)!;
      if (named.size > 0 ? !named.has(info.name) : !input.AllRegions && !isEnabled(status)) continue;
      const item = regionItem(info, status);
      if (matchesFilters(item, filters)) regions.push(item);
    }
    regions.sort((a, b) => byName(a.RegionName, b.RegionName));
    return { Regions: regions };
  },

  async DescribeAvailabilityZones(input, ctx) {
    const info = await requestRegion(ctx);
    checkDryRun(input.DryRun);
    const filters = compileFilters(input.Filters, ZONE_FILTERS);
    const zones = zoneItems(info, ctx.accountId);

    const names = input.ZoneNames ?? [];
    const ids = input.ZoneIds ?? [];
    const badNames = unknownValues(names, (n) => zones.some((z) => z.ZoneName === n));
    if (badNames.length > 0) throw new ServiceError('InvalidParameterValue', `Invalid availability zone: [${badNames.join(', ')}]`, 400);
    const badIds = unknownValues(ids, (id) => zones.some((z) => z.ZoneId === id));
    if (badIds.length > 0) throw new ServiceError('InvalidParameterValue', `Invalid availability zone-id: [${badIds.join(', ')}]`, 400);

    const selected =
      names.length === 0 && ids.length === 0 ? zones : zones.filter((z) => names.includes(z.ZoneName!) || ids.includes(z.ZoneId!));
    const out = filters.length === 0 ? selected : selected.filter((z) => matchesFilters(z, filters));
    out.sort((a, b) => byName(a.ZoneName!, b.ZoneName!));
    return { AvailabilityZones: out };
  },
};
