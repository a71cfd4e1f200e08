/**
 * The Null condition operator (IAM User Guide, "Condition operators" → "Condition operator to
 * check existence of condition keys"): `"true"` means the key is absent (or its value is null),
 * `"false"` means it is present. Quotes are optional (`true` ≡ `"true"`), case is ignored. Several
 * values are an OR (`[true, false]` is always satisfied). A multivalued key whose set is empty
 * counts as absent (the documented pairing `Null: false` + `ForAllValues:` requires at least one
 * value). Null takes no `IfExists` ("You can add IfExists to the end of any condition operator
 * name except the Null condition"); a `ForAllValues:`/`ForAnyValue:` prefix changes nothing.
 * A literal other than true/false makes the entry unsatisfiable (IAM accepts it at creation).
 */
import { parseBool } from './bool.js';

export interface NullTest {
  /** Whether the entry is satisfied given whether the key is present. */
  (present: boolean): boolean;
}

export function compileNull(values: readonly string[]): NullTest {
  let whenAbsent = false;
  let whenPresent = false;
  for (const v of values) {
    const b = parseBool(v);
    if (b < 0) return () => false;
    if (b === 1) whenAbsent = true;
    else whenPresent = true;
  }
  return (present) => (present ? whenPresent : whenAbsent);
}
