/**
 * Secrets that belong to this Nimbus installation rather than to an account: the key that seals
 * EC2's encoded authorization failure messages (opened again by STS DecodeAuthorizationMessage,
 * possibly after a restart, so it is stored, not regenerated).
 */
import { randomBytes } from 'node:crypto';
import type { ReadTx, WriteTx } from '../store/types.js';
import { GLOBAL_SCOPE } from '../store/scopes.js';

const KIND_SECRET = 'nimbus.secret';
const MESSAGE_KEY = 'authorization-message-key';

/** The message key, created on first start. */
export async function ensureMessageKey(tx: WriteTx): Promise<Buffer> {
  const existing = await getMessageKey(tx);
  if (existing) return existing;
  const key = randomBytes(32);
  await tx.put(GLOBAL_SCOPE, KIND_SECRET, MESSAGE_KEY, { key: key.toString('base64') });
  return key;
}

export async function getMessageKey(tx: ReadTx): Promise<Buffer | undefined> {
  const v = await tx.get<{ key: string }>(GLOBAL_SCOPE, KIND_SECRET, MESSAGE_KEY);
  return v ? Buffer.from(v.key, 'base64') : undefined;
}
