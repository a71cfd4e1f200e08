/**
 * Code generator: vendored AWS API models (models/<svc>.json, with models/patches/ applied by
 * loadModel) -> src/generated/<svc>.ts and src/generated/index.ts.
 *
 * Each generated service file holds:
 * - one TypeScript type per named shape that needs one: an `interface` per structure, an alias per
 *   list (`X[]`), map (`Record<string, V>`) and enum (a strict string-literal union). Non-enum
 *   primitive shapes (`String`, `arnType`, `Integer`, ...) are inlined as `string`/`number`/...:
 *   they carry no type information beyond the primitive, and inlining keeps EC2's file and the
 *   type checker's work small.
 * - `<Svc>Operations` (the operation names, sorted) and the `<Svc>Operation` union;
 * - `<Svc>Handlers`: one optional method per operation;
 * - one `ServiceError` subclass per modelled error shape, and `<svc>ErrorCodes`.
 *
 * Choices:
 * - Enums are strict literal unions. AWS adds values over time; they arrive here when the models
 *   are re-vendored (models/README.md). The parsers work from the model at run time, so the type
 *   states what the vendored model knows, which is what Nimbus can validate and answer.
 * - Shape names that clash with TypeScript/Node globals (`Object`, `Error`, `Date`, ...) or with
 *   names this file declares get a `_` prefix, as the AWS SDK for JavaScript v3 does (`_Object`).
 * - Exception shapes become classes only (no interface), unless some operation or non-error
 *   shape refers to them as data; then the interface keeps the shape name and the class is
 *   named `<ShapeName>Error`.
 * - Output is deterministic: shapes and operations in code-unit order, no timestamps.
 *
 * Usage: `npm run generate` (writes the files, deletes stale ones under src/generated/).
 * The drift test (test/unit/generated-drift.test.ts) calls generateAll() and compares.
 */
import { mkdirSync, readdirSync, readFileSync, unlinkSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadModel, MODELLED_SERVICES, MODELS_DIR, PROJECT_ROOT } from '../src/model/load.js';
import type { ServiceModel, Shape, ShapeRef } from '../src/model/types.js';

export const GENERATED_DIR = 'src/generated';

/** Names a generated type must not take: TS/ES/Node globals and TS keywords. */
const RESERVED = new Set([
  // ES / TS global values and types
  'Array', 'ArrayBuffer', 'ArrayLike', 'Atomics', 'BigInt', 'BigInt64Array', 'BigUint64Array', 'Boolean', 'DataView', 'Date', 'Error',
  'EvalError', 'Float32Array', 'Float64Array', 'Function', 'Generator', 'Infinity', 'Int16Array', 'Int32Array', 'Int8Array', 'Intl',
  'Iterable', 'Iterator', 'JSON', 'Map', 'Math', 'NaN', 'Number', 'Object', 'Promise', 'PromiseLike', 'Proxy', 'RangeError',
  'ReferenceError', 'Reflect', 'RegExp', 'Set', 'SharedArrayBuffer', 'String', 'Symbol', 'SyntaxError', 'TypeError', 'URIError',
  'Uint16Array', 'Uint32Array', 'Uint8Array', 'Uint8ClampedArray', 'WeakMap', 'WeakRef', 'WeakSet',
  // TS utility types
  'Awaited', 'Capitalize', 'ConstructorParameters', 'Exclude', 'Extract', 'InstanceType', 'Lowercase', 'NonNullable', 'Omit',
  'OmitThisParameter', 'Parameters', 'Partial', 'Pick', 'Readonly', 'ReadonlyArray', 'Record', 'Required', 'ReturnType',
  'ThisParameterType', 'ThisType', 'Uncapitalize', 'Uppercase',
  // Node / DOM-ish globals present with @types/node
  'AbortController', 'AbortSignal', 'Blob', 'Buffer', 'BroadcastChannel', 'Console', 'Crypto', 'Event', 'EventTarget', 'File',
  'FormData', 'Headers', 'MessageChannel', 'MessagePort', 'NodeJS', 'Performance', 'Request', 'Response', 'TextDecoder',
  'TextEncoder', 'URL', 'URLSearchParams', 'WebAssembly', 'console', 'global', 'globalThis', 'process', 'require', 'module',
  // TS keywords and primitive type names
  'any', 'as', 'bigint', 'boolean', 'break', 'case', 'catch', 'class', 'const', 'continue', 'debugger', 'declare', 'default',
  'delete', 'do', 'else', 'enum', 'export', 'extends', 'false', 'finally', 'for', 'function', 'if', 'implements', 'import', 'in',
  'infer', 'instanceof', 'interface', 'is', 'keyof', 'let', 'namespace', 'never', 'new', 'null', 'number', 'object', 'package',
  'private', 'protected', 'public', 'readonly', 'return', 'static', 'string', 'super', 'switch', 'symbol', 'this', 'throw', 'true',
  'try', 'type', 'typeof', 'undefined', 'unique', 'unknown', 'var', 'void', 'while', 'with', 'yield',
  // imported by every generated file
  'HandlerContext', 'ServiceError',
]);

const IDENT = /^[A-Za-z_$][\w$]*$/;

/** A single-quoted TypeScript string literal. */
function lit(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n').replace(/\r/g, '\\r')}'`;
}

/** `service-quotas` -> `ServiceQuotas`, `ec2` -> `Ec2`. */
export function pascalService(svc: string): string {
  return svc
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((p) => p[0]!.toUpperCase() + p.slice(1))
    .join('');
}

/** `service-quotas` -> `serviceQuotas`. */
export function camelService(svc: string): string {
  const p = pascalService(svc);
  return p[0]!.toLowerCase() + p.slice(1);
}

const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function quoteKey(name: string): string {
  return IDENT.test(name) ? name : lit(name);
}

function isInlinedPrimitive(shape: Shape): boolean {
  return shape.type !== 'structure' && shape.type !== 'list' && shape.type !== 'map' && !(shape.type === 'string' && shape.enum);
}

function primitiveType(shape: Shape): string {
  switch (shape.type) {
    case 'string':
      return 'string';
    case 'integer':
    case 'long':
    case 'float':
    case 'double':
    case 'bigdecimal':
    case 'biginteger':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'timestamp':
      return 'Date';
    case 'blob':
      return 'Buffer';
    default:
      throw new Error(`not a primitive shape type: ${shape.type}`);
  }
}

interface ErrorInfo {
  shape: string;
  className: string;
  code: string;
  status: number;
  senderFault: boolean;
  /** Extra primitive members rendered in the error body (not the message). */
  fields: { name: string; type: string }[];
}

/** Generates the TypeScript source for one service. */
export function generateService(svc: string, model: ServiceModel = loadModel(svc)): string {
  const Svc = pascalService(svc);
  const shapes = model.shapes;
  const shapeNames = Object.keys(shapes).sort(byCodeUnit);
  const opNames = Object.keys(model.operations).sort(byCodeUnit);

  const declared = new Set<string>([`${Svc}Operations`, `${Svc}Operation`, `${Svc}Handlers`, `${camelService(svc)}ErrorCodes`]);
  const shape = (name: string): Shape => {
    const s = shapes[name];
    if (!s) throw new Error(`${svc}: unknown shape ${name}`);
    return s;
  };

  // Exception shapes used as data (operation input/output or a member of a non-error shape) also get an interface.
  const exceptionsAsData = new Set<string>();
  for (const op of Object.values(model.operations)) {
    for (const ref of [op.input, op.output]) if (ref && shape(ref.shape).exception) exceptionsAsData.add(ref.shape);
  }
  for (const s of Object.values(shapes)) {
    if (s.exception) continue;
    for (const ref of [...Object.values(s.members ?? {}), s.member, s.key, s.value]) {
      if (ref && shape(ref.shape).exception) exceptionsAsData.add(ref.shape);
    }
  }

  // Type names for emitted shapes.
  const typeName = new Map<string, string>();
  const claim = (wanted: string): string => {
    let n = RESERVED.has(wanted) || !IDENT.test(wanted) ? `_${wanted.replace(/[^\w$]/g, '_')}` : wanted;
    while (declared.has(n)) n = `_${n}`;
    declared.add(n);
    return n;
  };
  for (const name of shapeNames) {
    const s = shape(name);
    if (isInlinedPrimitive(s)) continue;
    if (s.exception && !exceptionsAsData.has(name)) continue;
    typeName.set(name, claim(name));
  }
  const errors: ErrorInfo[] = [];
  for (const name of shapeNames) {
    const s = shape(name);
    if (!s.exception) continue;
    const className = typeName.has(name) || RESERVED.has(name) || declared.has(name) ? claim(`${name}Error`) : claim(name);
    const status = s.error?.httpStatusCode ?? (s.fault ? 500 : 400);
    const senderFault = s.error?.senderFault ?? (!s.fault && status < 500);
    const fields: ErrorInfo['fields'] = [];
    for (const [m, ref] of Object.entries(s.members ?? {})) {
      if (m.toLowerCase() === 'message') continue;
      const ms = shape(ref.shape);
      if (!['string', 'integer', 'long', 'float', 'double', 'boolean'].includes(ms.type)) continue;
      fields.push({ name: m, type: refType(ref) });
    }
    errors.push({ shape: name, className, code: s.error?.code ?? name, status, senderFault, fields });
  }

  function refType(ref: ShapeRef): string {
    const s = shape(ref.shape);
    if (isInlinedPrimitive(s)) return primitiveType(s);
    const t = typeName.get(ref.shape);
    if (!t) throw new Error(`${svc}: shape ${ref.shape} has no emitted type`);
    return t;
  }

  const out: string[] = [];
  out.push(`// Generated by scripts/generate.ts from models/${svc}.json. Do not edit.`);
  if (existsSync(join(MODELS_DIR, 'patches', `${svc}.json`))) out.push(`// Model patch applied: models/patches/${svc}.json.`);
  out.push(`import type { HandlerContext } from '../gateway/context.js';`);
  if (errors.length) out.push(`import { ServiceError } from '../gateway/errors.js';`);
  out.push('');

  // Shapes.
  for (const name of shapeNames) {
    const t = typeName.get(name);
    if (!t) continue;
    const s = shape(name);
    switch (s.type) {
      case 'structure': {
        const members = Object.entries(s.members ?? {});
        if (members.length === 0) {
          out.push(`export type ${t} = Record<string, never>;`);
          break;
        }
        const required = new Set(s.required ?? []);
        out.push(`export interface ${t} {`);
        for (const [m, ref] of members) {
          const sensitive = shape(ref.shape).sensitive ? '/** @sensitive */ ' : '';
          out.push(`  ${sensitive}${quoteKey(m)}${required.has(m) ? '' : '?'}: ${refType(ref)};`);
        }
        out.push('}');
        break;
      }
      case 'list': {
        const inner = refType(s.member!);
        out.push(`export type ${t} = ${/^[\w$]+$/.test(inner) ? inner : `(${inner})`}[];`);
        break;
      }
      case 'map':
        out.push(`export type ${t} = Record<string, ${refType(s.value!)}>;`);
        break;
      case 'string':
        out.push(`export type ${t} = ${s.enum!.map(lit).join(' | ')};`);
        break;
      default:
        throw new Error(`${svc}: unexpected emitted shape ${name} (${s.type})`);
    }
  }
  out.push('');

  // Operations.
  out.push(`export const ${Svc}Operations = [`);
  for (const o of opNames) out.push(`  ${lit(o)},`);
  out.push('] as const;');
  out.push(`export type ${Svc}Operation = (typeof ${Svc}Operations)[number];`);
  out.push('');
  out.push(`/** Service logic for ${model.metadata.serviceFullName}: an operation without a handler answers NotImplemented. */`);
  out.push(`export interface ${Svc}Handlers {`);
  for (const o of opNames) {
    const op = model.operations[o]!;
    const input = op.input ? refType(op.input) : 'Record<string, never>';
    const output = op.output ? refType(op.output) : 'void';
    out.push(`  ${o}?(input: ${input}, ctx: HandlerContext): Promise<${output}>;`);
  }
  out.push('}');
  out.push('');

  // Errors.
  if (errors.some((e) => e.fields.length)) {
    out.push(`function definedFields(f: Record<string, string | number | boolean | undefined>): Record<string, string | number | boolean> {`);
    out.push(`  const r: Record<string, string | number | boolean> = {};`);
    out.push(`  for (const [k, v] of Object.entries(f)) if (v !== undefined) r[k] = v;`);
    out.push(`  return r;`);
    out.push(`}`);
  }
  for (const e of errors) {
    const opts = `{ senderFault: ${e.senderFault}${e.fields.length ? ', fields: definedFields(fields)' : ''} }`;
    const params = e.fields.length ? `message: string, fields: { ${e.fields.map((f) => `${quoteKey(f.name)}?: ${f.type}`).join('; ')} } = {}` : 'message: string';
    out.push(`export class ${e.className} extends ServiceError {`);
    out.push(`  constructor(${params}) { super(${lit(e.code)}, message, ${e.status}, ${opts}); }`);
    out.push('}');
  }
  out.push(`/** Modelled errors by AWS error code. */`);
  out.push(`export const ${camelService(svc)}ErrorCodes: Record<string, { code: string; status: number; senderFault: boolean; shape: string }> = {`);
  for (const e of [...errors].sort((a, b) => byCodeUnit(a.code, b.code))) {
    out.push(`  ${quoteKey(e.code)}: { code: ${lit(e.code)}, status: ${e.status}, senderFault: ${e.senderFault}, shape: ${lit(e.shape)} },`);
  }
  out.push('};');
  return out.join('\n') + '\n';
}

function generateIndex(services: readonly string[]): string {
  const out = ['// Generated by scripts/generate.ts. Do not edit.'];
  for (const svc of services) out.push(`export * as ${camelService(svc)} from './${svc}.js';`);
  return out.join('\n') + '\n';
}

/** Every generated file: path relative to the project root -> content. */
export function generateAll(): Map<string, string> {
  const files = new Map<string, string>();
  for (const svc of MODELLED_SERVICES) files.set(`${GENERATED_DIR}/${svc}.ts`, generateService(svc));
  files.set(`${GENERATED_DIR}/index.ts`, generateIndex(MODELLED_SERVICES));
  return files;
}

/** Writes the generated files (only those that changed) and deletes stale files under src/generated/. */
export function writeAll(root: string = PROJECT_ROOT): { written: string[]; deleted: string[] } {
  const files = generateAll();
  const dir = join(root, GENERATED_DIR);
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  const deleted: string[] = [];
  for (const [rel, content] of files) {
    const abs = join(root, rel);
    if (existsSync(abs) && readFileSync(abs, 'utf8') === content) continue;
    writeFileSync(abs, content);
    written.push(rel);
  }
  for (const f of readdirSync(dir).sort(byCodeUnit)) {
    const rel = `${GENERATED_DIR}/${f}`;
    if (!files.has(rel)) {
      unlinkSync(join(dir, f));
      deleted.push(rel);
    }
  }
  return { written, deleted };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { written, deleted } = writeAll();
  for (const f of written) console.log(`wrote ${f}`);
  for (const f of deleted) console.log(`deleted ${f}`);
  if (!written.length && !deleted.length) console.log('src/generated/ is up to date');
}
