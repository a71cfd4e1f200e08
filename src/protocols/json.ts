/**
 * The AWS JSON protocol, versions 1.0 (DynamoDB style) and 1.1 (Service Quotas style).
 *
 * Wire facts (botocore serializers/parsers and the Smithy awsJson1_0/awsJson1_1 specs):
 * - Requests are `POST /` with `X-Amz-Target: <targetPrefix>.<Operation>` and a JSON object body
 *   (`Content-Type: application/x-amz-json-1.0|1.1`); an empty body is read as `{}`.
 * - Members are keyed by member name (or `locationName` when the model has one); timestamps are epoch
 *   seconds (fractions allowed) unless `timestampFormat` says otherwise; blobs are base64; floats may be
 *   `"NaN"`, `"Infinity"`, `"-Infinity"`; unknown members are ignored; `null` is absence.
 * - Responses: 200, same content type, `x-amzn-RequestId`; an output without members is `{}`.
 * - Errors: `{"__type": "<Code>", "message": "..."}` with the error's HTTP status. The message key is
 *   `Message` when the modelled error shape has a `Message` member (Service Quotas), else `message`;
 *   SDKs accept both. Extra `ServiceError.fields` are added to the body.
 * - Query-compatible services (`metadata.awsQueryCompatible`, or a request carrying
 *   `x-amzn-query-mode: true`, see `JsonResponseContext.queryMode`): errors also carry
 *   `x-amzn-query-error: <query code>;Sender|Receiver`, the query code being the error shape's
 *   `error.code` when modelled.
 * - Unknown or missing target: `UnknownOperationException` (400, no message, as Coral answers);
 *   a body that is not JSON (or not UTF-8) or a value of the wrong type: `SerializationException` (400).
 *
 * The JSON value readers/writers here are shared with rest-json.
 */
import type { Operation, ServiceModel, Shape, ShapeRef } from '../model/types.js';
import { ServiceError } from '../gateway/errors.js';
import type { ProtocolCodec, ResponseContext, WireRequest, WireResponse } from './types.js';
import { decodeBase64Strict, encodeBase64, parseTimestamp, toDate } from './wire-values.js';

/** ResponseContext plus what the JSON codecs may use from the request. */
export interface JsonResponseContext extends ResponseContext {
  /** The request carried `x-amzn-query-mode: true` (see `isQueryMode`). */
  queryMode?: boolean;
}

export function isQueryMode(req: WireRequest): boolean {
  return (req.headers['x-amzn-query-mode'] ?? '').trim().toLowerCase() === 'true';
}

const hasOwn = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

function shapeOf(model: ServiceModel, name: string): Shape {
  const s = hasOwn(model.shapes, name) ? model.shapes[name] : undefined;
  if (!s) throw new Error(`model has no shape ${name}`);
  return s;
}

export function serializationError(message: string): ServiceError {
  return new ServiceError('SerializationException', message, 400);
}

// ---------------------------------------------------------------------------------------------
// Per-structure member maps (cached per model)

interface JsonMember {
  name: string;
  wire: string;
  ref: ShapeRef;
  shape: Shape;
}
interface JsonStructPlan {
  /** Body members by wire name (members bound to HTTP locations excluded). */
  byWire: Map<string, JsonMember>;
  members: JsonMember[];
}
const structPlans = new WeakMap<ServiceModel, Map<string, JsonStructPlan>>();

function structPlan(model: ServiceModel, shapeName: string): JsonStructPlan {
  let m = structPlans.get(model);
  if (!m) {
    m = new Map();
    structPlans.set(model, m);
  }
  let p = m.get(shapeName);
  if (p) return p;
  const shape = shapeOf(model, shapeName);
  const members: JsonMember[] = [];
  const byWire = new Map<string, JsonMember>();
  for (const [name, ref] of Object.entries(shape.members ?? {})) {
    if (ref.location) continue;
    const jm = { name, wire: ref.locationName ?? name, ref, shape: shapeOf(model, ref.shape) };
    members.push(jm);
    byWire.set(jm.wire, jm);
  }
  p = { byWire, members };
  m.set(shapeName, p);
  return p;
}

// ---------------------------------------------------------------------------------------------
// Reading JSON values by shape

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

function mismatch(path: string, expected: string, v: unknown): ServiceError {
  return serializationError(`Unexpected value type at '${path}': expected ${expected}, got ${typeName(v)}`);
}

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/** Reads a JSON value of the shape `ref` points at. Throws SerializationException on a wrong type. */
export function readJsonValue(model: ServiceModel, ref: ShapeRef, v: unknown, path: string, depth = 0): unknown {
  if (depth > 100) throw serializationError('JSON nested too deeply');
  const shape = shapeOf(model, ref.shape);
  if (shape.document || ref.jsonvalue) return v;
  switch (shape.type) {
    case 'structure': {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) throw mismatch(path, 'an object', v);
      return readJsonStructure(model, ref.shape, v as Record<string, unknown>, path, depth + 1);
    }
    case 'list': {
      if (!Array.isArray(v)) throw mismatch(path, 'an array', v);
      const itemRef = shape.member ?? { shape: 'String' };
      const out: unknown[] = [];
      for (let i = 0; i < v.length; i++) {
        const item = v[i];
        if (item === null) continue; // sparse lists are not modelled here: drop nulls
        out.push(readJsonValue(model, itemRef, item, `${path}[${i}]`, depth + 1));
      }
      return out;
    }
    case 'map': {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) throw mismatch(path, 'an object', v);
      const valueRef = shape.value ?? { shape: 'String' };
      const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
        if (x === null) continue;
        out[k] = readJsonValue(model, valueRef, x, `${path}.${k}`, depth + 1);
      }
      return { ...out };
    }
    case 'string':
      if (typeof v !== 'string') throw mismatch(path, 'a string', v);
      return v;
    case 'boolean':
      if (typeof v !== 'boolean') throw mismatch(path, 'a boolean', v);
      return v;
    case 'integer':
    case 'long':
    case 'biginteger': {
      if (typeof v !== 'number' || !Number.isInteger(v)) throw mismatch(path, 'an integer', v);
      if (shape.type === 'integer' ? v < INT32_MIN || v > INT32_MAX : !Number.isSafeInteger(v)) {
        throw serializationError(`Numeric value at '${path}' is out of range`);
      }
      return v;
    }
    case 'float':
    case 'double':
    case 'bigdecimal': {
      if (typeof v === 'number') {
        if (!Number.isFinite(v)) throw serializationError(`Numeric value at '${path}' is out of range`);
        return v;
      }
      if (v === 'NaN') return NaN;
      if (v === 'Infinity') return Infinity;
      if (v === '-Infinity') return -Infinity;
      throw mismatch(path, 'a number', v);
    }
    case 'timestamp': {
      if (typeof v === 'number') {
        const ms = Math.round(v * 1000);
        if (!Number.isFinite(ms) || Math.abs(ms) > 8.64e15) throw serializationError(`Timestamp at '${path}' is out of range`);
        return new Date(ms);
      }
      if (typeof v === 'string') {
        const d = parseTimestamp(v);
        if (!d) throw serializationError(`Invalid timestamp at '${path}'`);
        return d;
      }
      throw mismatch(path, 'a timestamp', v);
    }
    case 'blob': {
      if (typeof v !== 'string') throw mismatch(path, 'a base64 string', v);
      const b = decodeBase64Strict(v);
      if (!b) throw serializationError(`Invalid base64 value at '${path}'`);
      return b;
    }
    default:
      return v;
  }
}

/** Reads the body members of a structure (HTTP-bound members are not looked for here). */
export function readJsonStructure(model: ServiceModel, shapeName: string, obj: Record<string, unknown>, path = '', depth = 0): Record<string, unknown> {
  const plan = structPlan(model, shapeName);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    if (v === null || v === undefined) continue;
    const m = plan.byWire.get(k);
    if (!m) continue;
    out[m.name] = readJsonValue(model, m.ref, v, path ? `${path}.${k}` : k, depth);
  }
  return out;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes a request body as a JSON object; empty body is `{}`. Throws SerializationException. */
export function parseJsonObjectBody(body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {};
  let text: string;
  try {
    text = UTF8.decode(body);
  } catch {
    throw serializationError('Request body is not valid UTF-8');
  }
  if (text.trim() === '') return {};
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw serializationError('Request body is not valid JSON');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw serializationError('Request body must be a JSON object');
  return v as Record<string, unknown>;
}

// ---------------------------------------------------------------------------------------------
// Writing JSON values by shape

/** Converts a value of the shape `ref` points at to a JSON-ready value; undefined to omit it. */
export function toJsonValue(model: ServiceModel, ref: ShapeRef, v: unknown, depth = 0): unknown {
  if (v === undefined || v === null) return undefined;
  if (depth > 200) throw new Error('JSON serialization nested too deeply');
  const shape = shapeOf(model, ref.shape);
  if (shape.document || ref.jsonvalue) return v;
  switch (shape.type) {
    case 'structure':
      return typeof v === 'object' ? toJsonStructure(model, ref.shape, v as Record<string, unknown>, depth + 1) : undefined;
    case 'list': {
      if (!Array.isArray(v)) return undefined;
      const itemRef = shape.member ?? { shape: 'String' };
      const out: unknown[] = [];
      for (const item of v) {
        const j = toJsonValue(model, itemRef, item, depth + 1);
        if (j !== undefined) out.push(j);
      }
      return out;
    }
    case 'map': {
      if (typeof v !== 'object') return undefined;
      const valueRef = shape.value ?? { shape: 'String' };
      const entries = v instanceof Map ? [...(v as Map<string, unknown>).entries()] : Object.entries(v as Record<string, unknown>);
      const out: Record<string, unknown> = {};
      for (const [k, x] of entries) {
        const j = toJsonValue(model, valueRef, x, depth + 1);
        if (j !== undefined) out[String(k)] = j;
      }
      return out;
    }
    case 'timestamp': {
      const d = toDate(v);
      if (!d) return undefined;
      const fmt = ref.timestampFormat ?? shape.timestampFormat ?? 'unixTimestamp';
      if (fmt === 'iso8601') return d.toISOString();
      if (fmt === 'rfc822') return d.toUTCString();
      return d.getTime() / 1000;
    }
    case 'blob':
      return encodeBase64(v);
    case 'float':
    case 'double':
    case 'bigdecimal':
      if (typeof v === 'number') {
        if (Number.isNaN(v)) return 'NaN';
        if (v === Infinity) return 'Infinity';
        if (v === -Infinity) return '-Infinity';
        return v;
      }
      return typeof v === 'string' ? Number(v) : undefined;
    case 'integer':
    case 'long':
    case 'biginteger':
      if (typeof v === 'bigint') return Number(v);
      return typeof v === 'number' ? Math.trunc(v) : typeof v === 'string' ? Number(v) : undefined;
    case 'boolean':
      return typeof v === 'boolean' ? v : v === 'true' ? true : v === 'false' ? false : Boolean(v);
    default:
      return typeof v === 'string' ? v : String(v);
  }
}

export function toJsonStructure(model: ServiceModel, shapeName: string, value: Record<string, unknown>, depth = 0): Record<string, unknown> {
  const plan = structPlan(model, shapeName);
  const out: Record<string, unknown> = {};
  for (const m of plan.members) {
    const j = toJsonValue(model, m.ref, value[m.name], depth);
    if (j !== undefined) out[m.wire] = j;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Error bodies (shared with rest-json)

/** The modelled error shape for a code (by shape name, or by its `error.code`). */
export function findErrorShape(model: ServiceModel, code: string): { name: string; shape: Shape } | undefined {
  const s = hasOwn(model.shapes, code) ? model.shapes[code] : undefined;
  if (s?.exception) return { name: code, shape: s };
  let cache = errorCodeIndex.get(model);
  if (!cache) {
    cache = new Map();
    for (const [n, sh] of Object.entries(model.shapes)) if (sh.exception && sh.error?.code) cache.set(sh.error.code, n);
    errorCodeIndex.set(model, cache);
  }
  const n = cache.get(code);
  return n ? { name: n, shape: model.shapes[n]! } : undefined;
}
const errorCodeIndex = new WeakMap<ServiceModel, Map<string, string>>();

/** `{message|Message: ..., ...fields}` for a JSON error body. */
export function jsonErrorBody(model: ServiceModel, err: ServiceError, errShape: Shape | undefined): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  const members = errShape?.members ?? {};
  const key = hasOwn(members, 'Message') && !hasOwn(members, 'message') ? 'Message' : 'message';
  if (err.message) body[key] = err.message;
  for (const [k, v] of Object.entries(err.fields)) {
    if (k === 'message' || k === 'Message' || k === '__type') continue;
    const ref = members[k];
    body[ref?.locationName ?? k] = v;
  }
  return body;
}

// ---------------------------------------------------------------------------------------------
// The codec

function contentType(model: ServiceModel): string {
  return `application/x-amz-json-${model.metadata.jsonVersion ?? '1.0'}`;
}

interface TargetIndex {
  prefix: string;
  ops: Map<string, Operation>;
}
const targetIndexes = new WeakMap<ServiceModel, TargetIndex>();

function targetIndex(model: ServiceModel): TargetIndex {
  let t = targetIndexes.get(model);
  if (!t) {
    const ops = new Map<string, Operation>();
    for (const [name, op] of Object.entries(model.operations)) ops.set(name, op);
    t = { prefix: model.metadata.targetPrefix ?? '', ops };
    targetIndexes.set(model, t);
  }
  return t;
}

function unknownOperation(): ServiceError {
  return new ServiceError('UnknownOperationException', '', 400);
}

export const jsonCodec: ProtocolCodec = {
  name: 'json',

  resolveOperation(req: WireRequest, model: ServiceModel): Operation {
    const target = (req.headers['x-amz-target'] ?? '').trim();
    const dot = target.lastIndexOf('.');
    if (dot <= 0) throw unknownOperation();
    const t = targetIndex(model);
    if (target.slice(0, dot) !== t.prefix) throw unknownOperation();
    const op = t.ops.get(target.slice(dot + 1));
    if (!op) throw unknownOperation();
    return op;
  },

  parseInput(req: WireRequest, model: ServiceModel, op: Operation): Record<string, unknown> {
    const obj = parseJsonObjectBody(req.body);
    if (!op.input) return {};
    try {
      return readJsonStructure(model, op.input.shape, obj);
    } catch (e) {
      if (e instanceof ServiceError) throw e;
      if (e instanceof RangeError) throw serializationError('JSON nested too deeply');
      throw e;
    }
  },

  serializeOutput(model: ServiceModel, op: Operation, output: Record<string, unknown> | undefined, ctx: ResponseContext): WireResponse {
    const body = op.output && output ? toJsonStructure(model, op.output.shape, output) : {};
    return {
      status: 200,
      headers: { 'Content-Type': contentType(model), 'x-amzn-RequestId': ctx.requestId },
      body: JSON.stringify(body),
    };
  },

  serializeError(model: ServiceModel, _op: Operation | undefined, err: ServiceError, ctx: JsonResponseContext): WireResponse {
    const found = findErrorShape(model, err.code);
    const typeName = found?.name ?? err.code;
    const body = { __type: typeName, ...jsonErrorBody(model, err, found?.shape) };
    const headers: Record<string, string> = { 'Content-Type': contentType(model), 'x-amzn-RequestId': ctx.requestId };
    const meta = model.metadata as { awsQueryCompatible?: unknown };
    if (ctx.queryMode || meta.awsQueryCompatible !== undefined) {
      const queryCode = found?.shape.error?.code ?? err.code;
      headers['x-amzn-query-error'] = `${queryCode};${err.senderFault ? 'Sender' : 'Receiver'}`;
    }
    Object.assign(headers, err.headers);
    return { status: err.status, headers, body: JSON.stringify(body) };
  },
};
