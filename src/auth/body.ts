/**
 * Request bodies sent as aws-chunked (`x-amz-content-sha256: STREAMING-...`): decoded, their chunk
 * signatures and trailing checksums verified, before any codec sees the payload.
 */
import type { AuthInfo, SignedRequest } from './types.js';
import { AuthFailure } from './types.js';
import { chunkSigningContext, streamingModeOf } from './sigv4.js';
import { decodeAwsChunked } from './chunked.js';

export function decodeRequestBody(req: SignedRequest, info: AuthInfo, secretAccessKey: string, body: Buffer): Buffer {
  const mode = streamingModeOf(info.contentSha256);
  if (!mode) throw new AuthFailure('content-sha', `Unsupported x-amz-content-sha256 value: ${info.contentSha256}`);
  const signing = mode === 'unsigned-trailer' ? undefined : chunkSigningContext(info, secretAccessKey);
  return decodeAwsChunked(body, { mode, signing, headers: req.headers }).payload;
}
