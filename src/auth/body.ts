/**
 * Request bodies sent as aws-chunked (`x-amz-content-sha256: STREAMING-...`): decoded, their chunk
 * signatures and trailing checksums verified, before any codec sees the payload.
 */
import type { AuthInfo, SignedRequest } from './types.js';
import { AuthFailure } from './types.js';
import { chunkSigningContext, streamingModeOf } from './sigv4.js';
import { createHash } from 'node:crypto';
import { decodeAwsChunked, checksumAlgorithmOf, verifyChecksum } from './chunked.js';
import { ServiceError } from '../gateway/errors.js';

export function decodeRequestBody(req: SignedRequest, info: AuthInfo, secretAccessKey: string, body: Buffer): Buffer {
  const mode = streamingModeOf(info.contentSha256);
  if (!mode) throw new AuthFailure('content-sha', `Unsupported x-amz-content-sha256 value: ${info.contentSha256}`);
  const signing = mode === 'unsigned-trailer' ? undefined : chunkSigningContext(info, secretAccessKey);
  return decodeAwsChunked(body, { mode, signing, headers: req.headers }).payload;
}

/**
 * S3 payload integrity declared in headers: `Content-MD5` and the flexible checksums
 * (`x-amz-checksum-crc32`, `-crc32c`, `-crc64nvme`, `-sha1`, `-sha256`) sent as plain headers, as
 * boto3 and the AWS CLI do over http. Checksums sent as aws-chunked trailers were already checked
 * while decoding. S3 answers 400 InvalidDigest for a malformed Content-MD5 and 400 BadDigest for a
 * mismatch.
 */
export function verifyS3PayloadIntegrity(headers: Record<string, string>, payload: Buffer): void {
  const md5 = headers['content-md5'];
  if (md5 !== undefined) {
    const raw = Buffer.from(md5.trim(), 'base64');
    if (raw.length !== 16 || raw.toString('base64') !== md5.trim()) {
      throw new ServiceError('InvalidDigest', 'The Content-MD5 you specified is not valid.', 400);
    }
    if (!createHash('md5').update(payload).digest().equals(raw)) {
      throw new ServiceError('BadDigest', 'The Content-MD5 you specified did not match what we received.', 400);
    }
  }
  const trailer = headers['x-amz-trailer']?.toLowerCase();
  for (const name in headers) {
    if (name === trailer) continue;
    const alg = checksumAlgorithmOf(name);
    if (alg) verifyChecksum(alg, headers[name]!.trim(), payload, 'header');
  }
}
