import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  MAX_FILTER_VALUES,
  applyFilters,
  compileFilters,
  matchesFilters,
  matchesWildcard,
  tagFilterFields,
  type FilterSpec,
} from '../../src/services/ec2/filters.js';
import { ServiceError } from '../../src/gateway/errors.js';

interface Item {
  id: string;
  state: string;
  zone?: string;
  ports: number[];
  public: boolean;
  Tags?: { Key?: string; Value?: string }[];
}

const items: Item[] = [
  { id: 'i-1', state: 'running', zone: 'us-east-1a', ports: [22, 80], public: true, Tags: [{ Key: 'Name', Value: 'web' }, { Key: 'env', Value: 'prod' }] },
  { id: 'i-2', state: 'stopped', zone: 'us-east-1b', ports: [443], public: false, Tags: [{ Key: 'Name', Value: 'db' }] },
  { id: 'i-3', state: 'running', ports: [], public: false },
];

const tags = tagFilterFields<Item>((i) => i.Tags);
const spec: FilterSpec<Item> = {
  fields: {
    'instance-id': (i) => i.id,
    state: (i) => i.state,
    zone: (i) => i.zone,
    port: (i) => i.ports,
    public: (i) => i.public,
    ...tags.fields,
  },
  dynamic: tags.dynamic,
};

const ids = (xs: Item[]) => xs.map((x) => x.id);
const run = (filters: { Name?: string; Values?: string[] }[]) => ids(applyFilters(items, filters, spec));

function rejectsWith(fn: () => unknown, code: string, message: string, status = 400) {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ServiceError, 'a ServiceError');
    assert.equal(e.code, code);
    assert.equal(e.message, message);
    assert.equal(e.status, status);
    return true;
  });
}

test('wildcards: * any run, ? exactly one character, whole value, case-sensitive', () => {
  const cases: [string, string, boolean][] = [
    ['us-east-1a', 'us-east-1a', true],
    ['us-east-1a', 'us-east-1', false],
    ['us-east-1', 'us-east-1a', false],
    ['us-*', 'us-east-1a', true],
    ['*', '', true],
    ['*', 'anything at all', true],
    ['?', '', false],
    ['?', 'x', true],
    ['?', 'xy', false],
    ['us-east-1?', 'us-east-1a', true],
    ['us-east-1?', 'us-east-1', false],
    ['*-1?', 'eu-west-1c', true],
    ['*east*', 'us-east-1a', true],
    ['*east', 'us-east-1a', false],
    ['US-EAST-1A', 'us-east-1a', false],
    ['a*b*c', 'abc', true],
    ['a*b*c', 'aXXbYYc', true],
    ['a*b*c', 'acb', false],
    // Regular-expression syntax is literal.
    ['ec2.us-east-1.amazonaws.com', 'ec2XusXeast-1.amazonaws.com', false],
    ['a+b', 'a+b', true],
    ['a+b', 'aab', false],
    ['(x)|[y]', '(x)|[y]', true],
    ['^$', '^$', true],
    ['-', '-', true],
    ['*-*', 'a-b', true],
    // Escapes: \* \? \\ are literal.
    ['\\*amazon\\?\\\\', '*amazon?\\', true],
    ['\\*amazon\\?\\\\', 'Xamazon?\\', false],
    ['\\*', '*', true],
    ['\\*', 'x', false],
    ['a\\?', 'a?', true],
    ['a\\?', 'ab', false],
    ['trailing\\', 'trailing\\', true],
    ['multi\nline*', 'multi\nline and more\nlines', true],
  ];
  for (const [pattern, value, want] of cases) {
    assert.equal(matchesWildcard(pattern, value), want, `${JSON.stringify(pattern)} vs ${JSON.stringify(value)}`);
  }
});

test('values are OR-ed within a filter, filters are AND-ed', () => {
  assert.deepEqual(run([{ Name: 'state', Values: ['running'] }]), ['i-1', 'i-3']);
  assert.deepEqual(run([{ Name: 'state', Values: ['running', 'stopped'] }]), ['i-1', 'i-2', 'i-3']);
  assert.deepEqual(run([{ Name: 'state', Values: ['running'] }, { Name: 'zone', Values: ['us-east-1a', 'us-east-1b'] }]), ['i-1']);
  assert.deepEqual(run([{ Name: 'state', Values: ['stopped'] }, { Name: 'zone', Values: ['us-east-1a'] }]), []);
  // The same filter name twice: both must hold.
  assert.deepEqual(run([{ Name: 'state', Values: ['running'] }, { Name: 'state', Values: ['stopped'] }]), []);
  assert.deepEqual(run([{ Name: 'state', Values: ['r*'] }, { Name: 'state', Values: ['*ing'] }]), ['i-1', 'i-3']);
  // No filters: everything, in the original order.
  assert.deepEqual(run([]), ['i-1', 'i-2', 'i-3']);
  assert.deepEqual(ids(applyFilters(items, undefined, spec)), ['i-1', 'i-2', 'i-3']);
});

test('multi-valued, absent, numeric and boolean fields', () => {
  assert.deepEqual(run([{ Name: 'port', Values: ['80'] }]), ['i-1']);
  assert.deepEqual(run([{ Name: 'port', Values: ['4*'] }]), ['i-2']);
  assert.deepEqual(run([{ Name: 'port', Values: ['*'] }]), ['i-1', 'i-2']); // i-3 has no ports
  assert.deepEqual(run([{ Name: 'zone', Values: ['*'] }]), ['i-1', 'i-2']); // an absent field matches nothing
  assert.deepEqual(run([{ Name: 'public', Values: ['true'] }]), ['i-1']);
  assert.deepEqual(run([{ Name: 'public', Values: ['false'] }]), ['i-2', 'i-3']);
  // A filter with no values matches nothing.
  assert.deepEqual(run([{ Name: 'state' }]), []);
  assert.deepEqual(run([{ Name: 'state', Values: [] }]), []);
});

test('tag filters: tag:<key>, tag-key, tag-value', () => {
  assert.deepEqual(run([{ Name: 'tag:Name', Values: ['web'] }]), ['i-1']);
  assert.deepEqual(run([{ Name: 'tag:Name', Values: ['*'] }]), ['i-1', 'i-2']);
  assert.deepEqual(run([{ Name: 'tag:name', Values: ['*'] }]), []); // keys are case-sensitive
  assert.deepEqual(run([{ Name: 'tag:env', Values: ['prod', 'dev'] }]), ['i-1']);
  assert.deepEqual(run([{ Name: 'tag-key', Values: ['env'] }]), ['i-1']);
  assert.deepEqual(run([{ Name: 'tag-value', Values: ['db'] }]), ['i-2']);
  rejectsWith(() => run([{ Name: 'tag:', Values: ['x'] }]), 'InvalidParameterValue', "The filter 'tag:' is invalid");
});

test("unknown or missing filter names: InvalidParameterValue \"The filter 'x' is invalid\"", () => {
  rejectsWith(() => run([{ Name: 'bogus', Values: ['x'] }]), 'InvalidParameterValue', "The filter 'bogus' is invalid");
  // Filter names are case-sensitive.
  rejectsWith(() => run([{ Name: 'State', Values: ['running'] }]), 'InvalidParameterValue', "The filter 'State' is invalid");
  rejectsWith(() => run([{ Values: ['x'] }]), 'InvalidParameterValue', "The filter 'null' is invalid");
  // Names that exist on every object are not filters.
  rejectsWith(() => run([{ Name: 'constructor', Values: ['x'] }]), 'InvalidParameterValue', "The filter 'constructor' is invalid");
  rejectsWith(() => run([{ Name: '__proto__', Values: ['x'] }]), 'InvalidParameterValue', "The filter '__proto__' is invalid");
  // Tag filters only where the spec allows them.
  const plain: FilterSpec<Item> = { fields: { state: (i) => i.state } };
  rejectsWith(() => applyFilters(items, [{ Name: 'tag:Name', Values: ['web'] }], plain), 'InvalidParameterValue', "The filter 'tag:Name' is invalid");
  // The check happens even when the valid filters alone would match nothing.
  rejectsWith(
    () => run([{ Name: 'state', Values: ['nothing'] }, { Name: 'nope', Values: ['x'] }]),
    'InvalidParameterValue',
    "The filter 'nope' is invalid",
  );
});

test('at most 200 filter values per call, across filters', () => {
  const values = (n: number) => Array.from({ length: n }, (_, i) => `v${i}`);
  assert.doesNotThrow(() => compileFilters([{ Name: 'state', Values: values(MAX_FILTER_VALUES) }], spec));
  assert.doesNotThrow(() => compileFilters([{ Name: 'state', Values: values(100) }, { Name: 'zone', Values: values(100) }], spec));
  const msg = 'The maximum number of filter values specified on a single call is 200';
  rejectsWith(() => compileFilters([{ Name: 'state', Values: values(201) }], spec), 'FilterLimitExceeded', msg);
  rejectsWith(() => compileFilters([{ Name: 'state', Values: values(150) }, { Name: 'zone', Values: values(51) }], spec), 'FilterLimitExceeded', msg);
  rejectsWith(() => compileFilters([{ Name: 'state', Values: values(201) }], spec, { limitCode: 'InvalidParameterValue' }), 'InvalidParameterValue', msg);
});

test('compiled filters can be reused across items', () => {
  const compiled = compileFilters([{ Name: 'instance-id', Values: ['i-?'] }, { Name: 'state', Values: ['running'] }], spec);
  assert.equal(compiled.length, 2);
  assert.deepEqual(items.map((i) => matchesFilters(i, compiled)), [true, false, true]);
  assert.equal(matchesFilters({ ...items[0]!, id: 'i-10' }, compiled), false);
});
