/**
 * The contract between the pipeline and the protocol codecs.
 *
 * One codec per AWS protocol (query, ec2, rest-xml, json, rest-json). A codec is generic: it
 * walks the service's model (src/model/types.ts) and never knows about a particular operation.
 */
import type { ServiceModel, Operation } from '../model/types.js';
import type { ServiceError } from '../gateway/errors.js';

/** The request as the pipeline hands it to a codec: body fully read (and aws-chunked already decoded). */
export interface WireRequest {
  method: string;
  /** Raw path, percent-encoded, without the query string (e.g. `/bucket/a%20b`). */
  path: string;
  /** Raw query string without the leading `?` ('' when absent). */
  rawQuery: string;
  /** Header names lower-cased; repeated headers joined with `,`. */
  headers: Record<string, string>;
  body: Buffer;
  /** For rest-xml (S3): the bucket taken from a virtual-host Host header, if any. */
  hostBucket?: string;
}

export interface WireResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer | string;
}

/** What the serializer needs besides the output value. */
export interface ResponseContext {
  requestId: string;
  /** S3's x-amz-id-2 (host id); codecs of other protocols ignore it. */
  hostId?: string;
}

export interface ProtocolCodec {
  readonly name: string;
  /**
   * Finds the operation a request calls. Throws a ServiceError rendered in this protocol's form
   * when the operation is unknown: query/ec2 `InvalidAction` (400), json `UnknownOperationException`,
   * rest protocols: the routing error AWS answers for an unmatched method+path.
   */
  resolveOperation(req: WireRequest, model: ServiceModel): Operation;
  /**
   * Parses the request into the operation's input value (a plain object keyed by member names,
   * typed per shape: numbers, booleans, Date for timestamps, Buffer for blobs, arrays, records).
   * Throws ServiceError for malformed input (e.g. `MalformedQueryString`, `MalformedXML`,
   * `SerializationException`). Does not run constraint validation: see validate.ts.
   */
  parseInput(req: WireRequest, model: ServiceModel, op: Operation): Record<string, unknown>;
  /** Serializes a successful output (a plain object keyed by member names) to the wire. */
  serializeOutput(model: ServiceModel, op: Operation, output: Record<string, unknown> | undefined, ctx: ResponseContext): WireResponse;
  /** Serializes an error in this protocol's envelope. */
  serializeError(model: ServiceModel, op: Operation | undefined, err: ServiceError, ctx: ResponseContext): WireResponse;
}
