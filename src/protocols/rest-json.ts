/**
 * The AWS REST-JSON protocol (Recycle Bin, Lambda, ... style services).
 *
 * Wire facts (botocore RestJSON serializer/parser, Smithy restJson1, the JS v3 SDK's error parsing):
 * - Routing by HTTP method + `requestUri` template (see rest-common.ts for the ranking); members bound
 *   to uri/querystring/header/headers; the other input members form a JSON object body (an empty body
 *   is `{}`), or the input's `payload` member is the whole body (structure → JSON, blob → bytes,
 *   string → UTF-8 text).
 * - Responses: status `http.responseCode` (or a statusCode member), header-bound members as headers,
 *   a JSON body of the other members (`Content-Type: application/json`), or the payload member raw;
 *   204 responses have no body. `x-amzn-RequestId` on every response.
 * - Errors: header `X-Amzn-ErrorType: <Code>` (what the SDKs read first) and a body
 *   `{"message": "..."}` (`Message` when the modelled error shape has a `Message` member) plus the
 *   error's extra fields (e.g. rbin `Reason`), with the error's HTTP status.
 * - No route for method+path: `UnknownOperationException` 404 (the AWS service framework's answer when
 *   no operation claims the request). Services fronted by API Gateway instead answer 403
 *   `MissingAuthenticationTokenException` "Missing Authentication Token"; Nimbus uses the former.
 * - A body that is not JSON, or a value of the wrong type (body, header, query): `SerializationException` 400.
 */
import type { Operation, ServiceModel } from '../model/types.js';
import { ServiceError } from '../gateway/errors.js';
import type { ProtocolCodec, ResponseContext, WireRequest, WireResponse } from './types.js';
import {
  RestBindingError,
  bindHttpOutput,
  decodeUtf8,
  resolveRestOperation,
  parseRestInput,
  type RestDialect,
} from './rest-common.js';
import { findErrorShape, jsonErrorBody, parseJsonObjectBody, readJsonStructure, readJsonValue, serializationError, toJsonStructure, toJsonValue } from './json.js';
import { encodeBase64 } from './wire-values.js';

const pathOf = (req: WireRequest): string => req.path || '/';

function bindingToServiceError(e: unknown): never {
  if (e instanceof RestBindingError) throw serializationError(e.message);
  if (e instanceof RangeError) throw serializationError('Request nested too deeply');
  throw e;
}

function blobBody(v: unknown): Buffer | string {
  if (Buffer.isBuffer(v)) return v;
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  if (typeof v === 'string') return v;
  return Buffer.from(encodeBase64(v), 'base64');
}

/** rest-json's body format and errors, for the shared REST request reader. */
const dialect: RestDialect = {
  pathOf,
  fail: bindingToServiceError,
  noRoute: () => new ServiceError('UnknownOperationException', '', 404),
  badText: () => serializationError('Request body is not valid UTF-8'),
  hasBody: () => true,
  readPayload(model, p, body) {
    const text = decodeUtf8(body);
    if (text === undefined) throw serializationError('Request body is not valid UTF-8');
    if (text.trim() === '') return undefined;
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch {
      throw serializationError('Request body is not valid JSON');
    }
    return v === null ? undefined : readJsonValue(model, p.ref, v, p.name);
  },
  readMembers: (model, shapeName, body) => readJsonStructure(model, shapeName, parseJsonObjectBody(body)),
};

export const restJsonCodec: ProtocolCodec = {
  name: 'rest-json',

  resolveOperation(req: WireRequest, model: ServiceModel): Operation {
    return resolveRestOperation(dialect, req, model);
  },

  parseInput(req: WireRequest, model: ServiceModel, op: Operation): Record<string, unknown> {
    return parseRestInput(dialect, req, model, op);
  },

  serializeOutput(model: ServiceModel, op: Operation, output: Record<string, unknown> | undefined, ctx: ResponseContext): WireResponse {
    const { status, headers, plan } = bindHttpOutput(model, op, output);
    headers['x-amzn-RequestId'] = ctx.requestId;
    let body: Buffer | string = '';
    if (status !== 204 && status !== 304) {
      if (plan?.payload) {
        const p = plan.payload;
        const v = output?.[p.name];
        if (p.shape.type === 'blob' || p.shape.type === 'string') {
          if (v !== undefined && v !== null) body = p.shape.type === 'blob' ? blobBody(v) : String(v);
          if (!hasHeader(headers, 'content-type')) headers['Content-Type'] = p.shape.type === 'blob' ? 'application/octet-stream' : 'text/plain';
        } else {
          const j = toJsonValue(model, p.ref, v);
          body = j === undefined ? '{}' : JSON.stringify(j);
          if (!hasHeader(headers, 'content-type')) headers['Content-Type'] = 'application/json';
        }
      } else {
        body = JSON.stringify(op.output && output ? toJsonStructure(model, op.output.shape, output) : {});
        if (!hasHeader(headers, 'content-type')) headers['Content-Type'] = 'application/json';
      }
    }
    return { status, headers, body };
  },

  serializeError(model: ServiceModel, _op: Operation | undefined, err: ServiceError, ctx: ResponseContext): WireResponse {
    const found = findErrorShape(model, err.code);
    const code = found?.name ?? err.code;
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      'x-amzn-RequestId': ctx.requestId,
      'X-Amzn-ErrorType': code,
      ...err.headers,
    };
    return { status: err.status, headers, body: JSON.stringify(jsonErrorBody(model, err, found?.shape)) };
  },
};

function hasHeader(h: Record<string, string>, lower: string): boolean {
  for (const k of Object.keys(h)) if (k.toLowerCase() === lower) return true;
  return false;
}
