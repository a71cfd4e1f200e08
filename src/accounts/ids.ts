/**
 * Identifier formats as AWS issues them.
 *
 * Access key ids: a 4-letter prefix (`AKIA` long-term, `ASIA` temporary) and 16 Base32 characters
 * (10 bytes). As on AWS, the account id is encoded in bits 7..46 of the first 6 bytes, so
 * `sts get-access-key-info` can recover the account from the key id alone.
 */
import { randomBytes, randomInt } from 'node:crypto';

const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function base32(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += B32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  if (bits > 0) out += B32[(value << (5 - bits)) & 31];
  return out;
}

function unbase32(s: string): Uint8Array | undefined {
  const out: number[] = [];
  let bits = 0;
  let value = 0;
  for (const c of s) {
    const v = B32.indexOf(c);
    if (v < 0) return undefined;
    value = (value << 5) | v;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
    value &= (1 << bits) - 1;
  }
  return Uint8Array.from(out);
}

export function newAccountId(): string {
  // AWS account ids are 12 digits; avoid a leading zero so they never look truncated.
  return String(randomInt(1, 10)) + String(randomInt(0, 100_000_000_000)).padStart(11, '0');
}

export function newAccessKeyId(accountId: string, temporary = false): string {
  const bytes = randomBytes(10);
  // z = (top bit random) | account << 7 | 7 random bits, over 48 bits (bytes 0..5).
  const account = BigInt(accountId);
  const z = (BigInt(bytes[0]! & 0x80) << 40n) | (account << 7n) | BigInt(bytes[5]! & 0x7f);
  for (let i = 0; i < 6; i++) bytes[i] = Number((z >> BigInt(8 * (5 - i))) & 0xffn);
  return (temporary ? 'ASIA' : 'AKIA') + base32(bytes);
}

/** The account encoded in an access key id, as `sts:GetAccessKeyInfo` answers. */
export function accountFromAccessKeyId(accessKeyId: string): string | undefined {
  if (!/^(AKIA|ASIA)[A-Z2-7]{16}$/.test(accessKeyId)) return undefined;
  const bytes = unbase32(accessKeyId.slice(4));
  if (!bytes || bytes.length < 6) return undefined;
  let z = 0n;
  for (let i = 0; i < 6; i++) z = (z << 8n) | BigInt(bytes[i]!);
  return String((z & 0x7fffffffff80n) >> 7n).padStart(12, '0');
}

const SECRET_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

export function newSecretAccessKey(): string {
  const bytes = randomBytes(40);
  let s = '';
  for (const b of bytes) s += SECRET_CHARS[b & 63];
  return s;
}

const ID_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** IAM unique ids: `AIDA` users, `AROA` roles, `AGPA` groups, `ANPA` policies, `AIPA` instance profiles. */
export function newUniqueId(prefix: 'AIDA' | 'AROA' | 'AGPA' | 'ANPA' | 'AIPA' | 'ASCA' | 'APKA'): string {
  const bytes = randomBytes(17);
  let s = prefix;
  for (const b of bytes) s += ID_CHARS[b & 31];
  return s;
}
