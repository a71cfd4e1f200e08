/**
 * Binary condition operator (IAM User Guide, "Condition operators" → "Binary condition
 * operators"): `BinaryEquals` compares the request value byte for byte with the base64-encoded
 * policy value. Request values for binary keys are carried in the context base64-encoded too and
 * compared after decoding. A policy value that is not canonical base64 (RFC 4648 alphabet, padded
 * to a multiple of 4) cannot be satisfied; IAM does not validate it at policy-creation time.
 * No wildcards, no policy variables.
 */
import { type OperatorDef, type ValueTest } from './types.js';
// Hot-path bindings are local (tsx runs modules through a CommonJS wrapper in which every
// imported binding is a getter call).
const MATCH = 1;
const NOMATCH = 0;
const INVALID = -1;


const B64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function compileBinary(values: readonly string[]): ValueTest {
  const bufs: Buffer[] = [];
  let invalid = false;
  for (const v of values) {
    if (!B64_RE.test(v)) invalid = true;
    else bufs.push(Buffer.from(v, 'base64'));
  }
  const n = bufs.length;
  return (v) => {
    if (invalid || !B64_RE.test(v)) return INVALID;
    const req = Buffer.from(v, 'base64');
    for (let i = 0; i < n; i++) if (req.equals(bufs[i]!)) return MATCH;
    return NOMATCH;
  };
}

export const BINARY_OPERATORS: OperatorDef[] = [
  { name: 'BinaryEquals', negated: false, variables: false, compile: compileBinary },
];
