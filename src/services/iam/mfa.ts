/**
 * IAM MFA devices: virtual devices with real TOTP (RFC 6238: HMAC-SHA1, 6 digits, 30-second steps),
 * their assignment to users, and the code check STS (and anything else that checks MFA) relies on.
 *
 * Storage (account scope; keys lower-cased: device names are unique case-insensitively):
 *   iam.mfaDevice      <device name>            -> MfaDeviceRecord (the seed, the assignment, replay state)
 *   iam.userMfaDevice  <user>/<device name>     -> { SerialNumber }  (a user's devices, for ListMFADevices
 *                                                  and DeleteUser's check)
 *
 * Fidelity notes:
 * - CreateVirtualMFADevice returns the seed as AWS does: 64 Base32 characters (a 40-byte secret) as the
 *   `Base32StringSeed` blob, and a PNG QR code of
 *   `otpauth://totp/Amazon%20Web%20Services:<name>@<account>?secret=<seed>&issuer=Amazon%20Web%20Services`.
 *   The serial number is `arn:aws:iam::<account>:mfa/<path><name>`.
 * - A device name in use (whatever its path, compared case-insensitively) is EntityAlreadyExists
 *   "MFADevice entity at the same path and name already exists.".
 * - EnableMFADevice needs two consecutive codes (AuthenticationCode1 one step before AuthenticationCode2),
 *   the second within one step of the current one; otherwise InvalidAuthenticationCode (403)
 *   "Authentication code for device is not valid.". A device already assigned is EntityAlreadyExists
 *   "MFA Device is already in use.".
 * - A single code (STS GetSessionToken, verifyMfaCode) is accepted in the current step ±1 (AWS tolerates
 *   small clock skew). Each device remembers the last step it accepted: a code is never accepted twice,
 *   nor a code older than one already accepted (replay).
 * - ResyncMFADevice looks for two consecutive codes within ±10 minutes and remembers the device's drift,
 *   so later codes are checked around the device's own clock.
 * - DeactivateMFADevice unassigns the device (it stays in the account, Unassigned); DeleteVirtualMFADevice
 *   refuses while it is assigned (DeleteConflict), and DeleteUser while the user has one
 *   ("Cannot delete entity, must delete MFA device first.").
 * - ListVirtualMFADevices: AssignmentStatus defaults to Any, as the API reference says.
 * - ListMFADevices without UserName lists the caller's devices (none for the root: the root's devices
 *   can only be assigned in the console).
 *
 * Unverified against AWS (taken from AWS-compatible implementations): the NoSuchEntity texts
 * "VirtualMFADevice with serial number <serial> doesn't exist." and "MFA Device invalid for user.",
 * the DeleteConflict text "MFA VirtualDevice in use. Must deactivate first.", the quota texts
 * "Cannot exceed quota for MFADevicesPerUser: 8" and "Cannot exceed quota for TagsPerMFADevice: 50".
 *
 * Gaps: hardware (non-virtual) and FIDO devices are not modelled (a non-ARN serial number is NoSuchEntity);
 * the rule that a user with an MFA device needs an MFA session to enable/deactivate their own devices is
 * left to IAM policies (as AWS's examples do).
 */
import { randomBytes } from 'node:crypto';
import { HOTP, Secret } from 'otpauth';
import type { ReadTx, WriteTx } from '../../store/types.js';
import type { HandlerContext } from '../../gateway/context.js';
import { ServiceError } from '../../gateway/errors.js';
import {
  DeleteConflictException,
  EntityAlreadyExistsException,
  InvalidAuthenticationCodeException,
  LimitExceededException,
  NoSuchEntityException,
  type IamHandlers,
  type MFADevice,
  type VirtualMFADevice,
} from '../../generated/iam.js';
import { checkDuplicateTags, listPage, type IamTag, tagOperations } from './common.js';
import { getUser, userKey, userView, type UserRecord } from './state.js';

export const KIND_MFA_DEVICE = 'iam.mfaDevice';
export const KIND_USER_MFA_DEVICE = 'iam.userMfaDevice';

/** MFA devices in use per user (IAM and STS quotas). */
export const MFA_DEVICES_PER_USER = 8;
/** TOTP step, seconds. */
export const TOTP_PERIOD = 30;
/** Steps either side of the current one a single code may come from. */
export const TOTP_WINDOW = 1;
/** Steps either side of the current one ResyncMFADevice searches (10 minutes). */
export const RESYNC_WINDOW = 20;

export interface MfaDeviceRecord {
  SerialNumber: string;
  /** The device name as created. */
  Name: string;
  Path: string;
  /** Base32 seed, as returned by CreateVirtualMFADevice. */
  Seed: string;
  CreateDate: string;
  Tags?: IamTag[];
  /** The assigned user (as the user's name is spelled), while assigned. */
  UserName?: string;
  EnableDate?: string;
  /** The last TOTP step a code was accepted for (replay protection). */
  LastStep?: number;
  /** Steps the device's clock runs ahead of ours (negative: behind), learnt by ResyncMFADevice. */
  Drift?: number;
}

interface UserDeviceLink {
  SerialNumber: string;
}

const DEVICE_FIRST = 'Cannot delete entity, must delete MFA device first.';
const noSuchUser = (name: string) => new NoSuchEntityException(`The user with name ${name} cannot be found.`);
const noSuchDevice = (serial: string) => new NoSuchEntityException(`VirtualMFADevice with serial number ${serial} doesn't exist.`);
const invalidForUser = () => new NoSuchEntityException('MFA Device invalid for user.');
const invalidCode = () => new InvalidAuthenticationCodeException('Authentication code for device is not valid.');

const key = (name: string) => name.toLowerCase();
const linkKey = (userName: string, deviceName: string) => `${userKey(userName)}/${key(deviceName)}`;

// ---------------------------------------------------------------------------------------------
// TOTP

/** The TOTP step a time falls in. */
export function totpStep(now: Date): number {
  return Math.floor(now.getTime() / 1000 / TOTP_PERIOD);
}

/** The code a device with this Base32 seed shows during `step` (RFC 6238 with HMAC-SHA1). */
export function totpCode(seedBase32: string, step: number, digits = 6): string {
  return HOTP.generate({ secret: Secret.fromBase32(seedBase32), algorithm: 'SHA1', digits, counter: step });
}

/** A new seed: 40 random bytes, 64 Base32 characters, as AWS's seeds are. */
export function newSeed(): string {
  return new Secret({ buffer: new Uint8Array(randomBytes(40)).buffer }).base32;
}

/**
 * The step in [from, to] (nearest `center` first) whose code is `code` and that comes after
 * `after` (replay), or undefined.
 */
function matchStep(seed: string, code: string, center: number, radius: number, after: number | undefined): number | undefined {
  if (!/^\d{6}$/.test(code)) return undefined;
  for (let d = 0; d <= radius; d++) {
    for (const s of d === 0 ? [center] : [center - d, center + d]) {
      if (after !== undefined && s <= after) continue;
      if (totpCode(seed, s) === code) return s;
    }
  }
  return undefined;
}

/** The step of `code2` when `code1`/`code2` are consecutive codes near `center`, or undefined. */
function matchPair(seed: string, code1: string, code2: string, center: number, radius: number, after: number | undefined): number | undefined {
  if (!/^\d{6}$/.test(code1) || !/^\d{6}$/.test(code2)) return undefined;
  for (let d = 0; d <= radius; d++) {
    for (const s of d === 0 ? [center] : [center - d, center + d]) {
      if (after !== undefined && s - 1 <= after) continue;
      if (totpCode(seed, s) === code2 && totpCode(seed, s - 1) === code1) return s;
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Lookups shared with other modules

/** The device a serial number names in this account (virtual devices only), or undefined. */
export async function getDeviceBySerial(tx: ReadTx, accountId: string, serial: string): Promise<MfaDeviceRecord | undefined> {
  const prefix = `arn:aws:iam::${accountId}:mfa/`;
  if (!serial.startsWith(prefix)) return undefined;
  const name = serial.slice(serial.lastIndexOf('/') + 1);
  if (!name) return undefined;
  const d = await tx.get<MfaDeviceRecord>(accountId, KIND_MFA_DEVICE, key(name));
  return d && d.SerialNumber.toLowerCase() === serial.toLowerCase() ? d : undefined;
}

/** Why a single MFA code was refused, or 'ok'. */
export type MfaCheck = 'ok' | 'no-device' | 'invalid-code';

/**
 * Checks one code from `serialNumber` for `forUser` (when given: the device must be assigned to that
 * user; otherwise to anyone). On success records the code's step so it is never accepted again.
 */
export async function checkMfaCode(
  tx: WriteTx,
  accountId: string,
  serialNumber: string,
  code: string,
  now: Date,
  forUser?: string,
): Promise<MfaCheck> {
  const d = await getDeviceBySerial(tx, accountId, serialNumber);
  if (!d || d.UserName === undefined || d.EnableDate === undefined) return 'no-device';
  if (forUser !== undefined && userKey(forUser) !== userKey(d.UserName)) return 'no-device';
  const step = matchStep(d.Seed, code, totpStep(now) + (d.Drift ?? 0), TOTP_WINDOW, d.LastStep);
  if (step === undefined) return 'invalid-code';
  d.LastStep = step;
  await tx.put(accountId, KIND_MFA_DEVICE, key(d.Name), d);
  return 'ok';
}

/**
 * True only for an enabled device assigned to `forUser` (or to anyone when not given) and a valid,
 * fresh code; records the code's step against replay.
 */
export async function verifyMfaCode(
  tx: WriteTx,
  accountId: string,
  serialNumber: string,
  code: string,
  now: Date,
  forUser?: string,
): Promise<boolean> {
  return (await checkMfaCode(tx, accountId, serialNumber, code, now, forUser)) === 'ok';
}

/** DeleteUser's check: AWS's DeleteConflict text while the user has an MFA device, else undefined. */
export async function userBlockers(tx: ReadTx, accountId: string, user: UserRecord): Promise<string | undefined> {
  const n = await tx.count(accountId, KIND_USER_MFA_DEVICE, { prefix: `${userKey(user.UserName)}/` });
  return n > 0 ? DEVICE_FIRST : undefined;
}

// ---------------------------------------------------------------------------------------------
// Handlers

async function requireDevice(ctx: HandlerContext, serial: string): Promise<MfaDeviceRecord> {
  const d = await getDeviceBySerial(ctx.tx, ctx.accountId, serial);
  if (!d) throw noSuchDevice(serial);
  return d;
}

async function requireUser(ctx: HandlerContext, name: string): Promise<UserRecord> {
  const u = await getUser(ctx.tx, ctx.accountId, name);
  if (!u) throw noSuchUser(name);
  return u;
}

/** The user a request names, or the calling user; undefined for the root calling without a name. */
async function targetUser(ctx: HandlerContext, userName: string | undefined): Promise<UserRecord | undefined> {
  const name = userName ?? (ctx.principal.type === 'user' ? ctx.principal.name : undefined);
  if (name === undefined) {
    if (ctx.principal.type === 'root') return undefined;
    throw new ServiceError('ValidationError', 'Must specify userName when calling with non-User credentials', 400);
  }
  return requireUser(ctx, name);
}

/** The device, which must be assigned to `u`. */
async function assignedDevice(ctx: HandlerContext, serial: string, u: UserRecord | undefined): Promise<MfaDeviceRecord> {
  const d = await getDeviceBySerial(ctx.tx, ctx.accountId, serial);
  if (!u || !d || d.UserName === undefined || userKey(d.UserName) !== userKey(u.UserName)) throw invalidForUser();
  return d;
}

async function virtualDeviceOut(tx: ReadTx, accountId: string, d: MfaDeviceRecord): Promise<VirtualMFADevice> {
  const out: VirtualMFADevice = { SerialNumber: d.SerialNumber };
  if (d.UserName !== undefined) {
    const u = await getUser(tx, accountId, d.UserName);
    if (u) out.User = userView(u);
  }
  if (d.EnableDate !== undefined) out.EnableDate = new Date(d.EnableDate);
  return out;
}

const mfaDeviceOut = (d: MfaDeviceRecord): MFADevice => ({
  UserName: d.UserName!,
  SerialNumber: d.SerialNumber,
  EnableDate: new Date(d.EnableDate!),
});

const deviceTags = tagOperations<{ SerialNumber: string }>(async (input, ctx) => {
  const d = await requireDevice(ctx, input.SerialNumber);
  return { tags: d.Tags, save: (tags) => ctx.tx.put(ctx.accountId, KIND_MFA_DEVICE, key(d.Name), { ...d, Tags: tags }) };
}, 'TagsPerMFADevice');

export const mfaHandlers: IamHandlers = {
  async CreateVirtualMFADevice(input, ctx) {
    const path = input.Path ?? '/';
    if (input.Tags) checkDuplicateTags(input.Tags);
    const seed = newSeed();
    const d: MfaDeviceRecord = {
      SerialNumber: `arn:aws:iam::${ctx.accountId}:mfa${path}${input.VirtualMFADeviceName}`,
      Name: input.VirtualMFADeviceName,
      Path: path,
      Seed: seed,
      CreateDate: ctx.now.toISOString(),
    };
    if (input.Tags && input.Tags.length) d.Tags = input.Tags.map((t) => ({ Key: t.Key, Value: t.Value }));
    if (!(await ctx.tx.insert(ctx.accountId, KIND_MFA_DEVICE, key(d.Name), d))) {
      throw new EntityAlreadyExistsException('MFADevice entity at the same path and name already exists.');
    }
    const issuer = 'Amazon Web Services';
    const uri =
      `otpauth://totp/${encodeURIComponent(issuer)}:${encodeURIComponent(d.Name)}@${ctx.accountId}` +
      `?secret=${seed}&issuer=${encodeURIComponent(issuer)}`;
    // qrcode loads on first use rather than at startup.
    const { default: QRCode } = await import('qrcode');
    const png = await QRCode.toBuffer(uri, { type: 'png', errorCorrectionLevel: 'M' });
    const out: VirtualMFADevice = {
      SerialNumber: d.SerialNumber,
      Base32StringSeed: Buffer.from(seed, 'ascii'),
      QRCodePNG: png,
    };
    if (d.Tags) out.Tags = d.Tags;
    return { VirtualMFADevice: out };
  },

  async EnableMFADevice(input, ctx) {
    const u = await requireUser(ctx, input.UserName);
    const d = await requireDevice(ctx, input.SerialNumber);
    if (d.UserName !== undefined) throw new EntityAlreadyExistsException('MFA Device is already in use.');
    if ((await ctx.tx.count(ctx.accountId, KIND_USER_MFA_DEVICE, { prefix: `${userKey(u.UserName)}/` })) >= MFA_DEVICES_PER_USER) {
      throw new LimitExceededException(`Cannot exceed quota for MFADevicesPerUser: ${MFA_DEVICES_PER_USER}`);
    }
    const step = matchPair(d.Seed, input.AuthenticationCode1, input.AuthenticationCode2, totpStep(ctx.now), TOTP_WINDOW, d.LastStep);
    if (step === undefined) throw invalidCode();
    d.UserName = u.UserName;
    d.EnableDate = ctx.now.toISOString();
    d.LastStep = step;
    d.Drift = 0;
    await ctx.tx.put(ctx.accountId, KIND_MFA_DEVICE, key(d.Name), d);
    const link: UserDeviceLink = { SerialNumber: d.SerialNumber };
    await ctx.tx.put(ctx.accountId, KIND_USER_MFA_DEVICE, linkKey(u.UserName, d.Name), link);
  },

  async ResyncMFADevice(input, ctx) {
    const u = await requireUser(ctx, input.UserName);
    const d = await assignedDevice(ctx, input.SerialNumber, u);
    const now = totpStep(ctx.now);
    const step = matchPair(d.Seed, input.AuthenticationCode1, input.AuthenticationCode2, now, RESYNC_WINDOW, d.LastStep);
    if (step === undefined) throw invalidCode();
    d.LastStep = step;
    d.Drift = step - now;
    await ctx.tx.put(ctx.accountId, KIND_MFA_DEVICE, key(d.Name), d);
  },

  async DeactivateMFADevice(input, ctx) {
    const u = await targetUser(ctx, input.UserName);
    const d = await assignedDevice(ctx, input.SerialNumber, u);
    await ctx.tx.delete(ctx.accountId, KIND_USER_MFA_DEVICE, linkKey(d.UserName!, d.Name));
    delete d.UserName;
    delete d.EnableDate;
    delete d.Drift;
    await ctx.tx.put(ctx.accountId, KIND_MFA_DEVICE, key(d.Name), d);
  },

  async DeleteVirtualMFADevice(input, ctx) {
    const d = await requireDevice(ctx, input.SerialNumber);
    if (d.UserName !== undefined) throw new DeleteConflictException('MFA VirtualDevice in use. Must deactivate first.');
    await ctx.tx.delete(ctx.accountId, KIND_MFA_DEVICE, key(d.Name));
  },

  async GetMFADevice(input, ctx) {
    const d = await getDeviceBySerial(ctx.tx, ctx.accountId, input.SerialNumber);
    if (!d || d.UserName === undefined) throw noSuchDevice(input.SerialNumber);
    if (input.UserName !== undefined) {
      await requireUser(ctx, input.UserName);
      if (userKey(input.UserName) !== userKey(d.UserName)) throw invalidForUser();
    }
    return { UserName: d.UserName, SerialNumber: d.SerialNumber, EnableDate: new Date(d.EnableDate!) };
  },

  async ListMFADevices(input, ctx) {
    const u = await targetUser(ctx, input.UserName);
    if (!u) return { MFADevices: [], IsTruncated: false };
    const page = await listPage<UserDeviceLink>(ctx.tx, ctx.accountId, KIND_USER_MFA_DEVICE, {
      prefix: `${userKey(u.UserName)}/`,
      marker: input.Marker,
      maxItems: input.MaxItems,
    });
    const devices: MFADevice[] = [];
    for (const e of page.items) {
      const d = await getDeviceBySerial(ctx.tx, ctx.accountId, e.value.SerialNumber);
      if (d && d.UserName !== undefined) devices.push(mfaDeviceOut(d));
    }
    return { MFADevices: devices, IsTruncated: page.truncated, Marker: page.marker };
  },

  async ListVirtualMFADevices(input, ctx) {
    const status = input.AssignmentStatus ?? 'Any';
    const page = await listPage<MfaDeviceRecord>(ctx.tx, ctx.accountId, KIND_MFA_DEVICE, {
      marker: input.Marker,
      maxItems: input.MaxItems,
      filter: (d) => status === 'Any' || (status === 'Assigned') === (d.UserName !== undefined),
    });
    const devices: VirtualMFADevice[] = [];
    for (const e of page.items) devices.push(await virtualDeviceOut(ctx.tx, ctx.accountId, e.value));
    return { VirtualMFADevices: devices, IsTruncated: page.truncated, Marker: page.marker };
  },

  TagMFADevice: deviceTags.tag,
  UntagMFADevice: deviceTags.untag,
  ListMFADeviceTags: deviceTags.list,
};
