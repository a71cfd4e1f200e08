/** A Checksum (smithy's interface) on node:crypto, for the SigV4 signer in tests and the benchmark. */
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';

export class Sha256 {
  private h: Hash | Hmac;
  constructor(secret?: string | Uint8Array | ArrayBuffer | ArrayBufferView) {
    this.h = secret !== undefined ? createHmac('sha256', typeof secret === 'string' ? secret : Buffer.from(secret instanceof ArrayBuffer ? secret : secret.buffer, secret instanceof ArrayBuffer ? 0 : secret.byteOffset, secret.byteLength)) : createHash('sha256');
  }
  update(data: string | Uint8Array): void {
    this.h.update(data);
  }
  async digest(): Promise<Uint8Array> {
    return this.h.digest();
  }
  digestSync(): Uint8Array {
    return this.h.digest();
  }
  reset(): void {
    throw new Error('not supported');
  }
}
