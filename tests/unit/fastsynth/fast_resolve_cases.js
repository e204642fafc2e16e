'use strict';
// Runs cdktf's own resolve() and fast_resolve.js's on the same values and prints, as
// JSON, each case's name and whether both gave the same result (or threw the same
// error). Started by test_fast_resolve.py with the path of an extracted cdktf 0.21.0
// (and constructs) next to each other in a node_modules directory.
//
// usage: node fast_resolve_cases.js <node_modules> <fast_resolve.js>

const path = require('path');
const util = require('util');

const [nodeModules, fastResolvePath] = process.argv.slice(2);
const cdktfDir = path.join(nodeModules, 'cdktf');
const cdktf = require(cdktfDir);
const resolveFile = require.resolve(path.join(cdktfDir, 'lib/tokens/private/resolve.js'));
const resolveModule = require.cache[resolveFile];
const original = resolveModule.exports.resolve;
const fast = require(fastResolvePath).fastResolve(resolveModule);
const { DefaultTokenResolver, StringConcat } = require(path.join(cdktfDir, 'lib/tokens/resolvable.js'));
const { createTokenDouble } = require(path.join(cdktfDir, 'lib/tokens/private/encoding.js'));

const { App, TerraformStack, TerraformVariable, Token, Lazy, Fn, TerraformIterator } = cdktf;
const app = new App({ outdir: require('os').tmpdir() });
const stack = new TerraformStack(app, 'stack');
const variable = new TerraformVariable(stack, 'names', { type: 'list(string)' });
const port = new TerraformVariable(stack, 'port', { type: 'number' });
const tags = new TerraformVariable(stack, 'tags', { type: 'map(string)' });

// Made once: an element of it is an encoded double that holds the token's number.
const NUMBER_LIST = Token.asNumberList(variable.listValue);

function nested(depth, leaf) {
  let value = leaf;
  for (let i = 0; i < depth; i++) {
    value = { level: value };
  }
  return value;
}

// name -> value (a function, so each resolver run gets the value made afresh)
const cases = {
  'plain strings': () => ['keycloak', 'eu-west-1', '', 'a b', '${not a token}', '$${escaped}', '}'],
  'number-like strings': () => ['keycloak-e2e', '1e5', '-e-', '1.5e+10', 'db.r6g.2xlarge', '10.0.0.0/16'],
  'map-token placeholders': () => Token.STRING_MAP_TOKEN_VALUE,
  'any-map placeholder': () => Token.ANY_MAP_TOKEN_VALUE,
  'number map placeholder': () => Token.NUMBER_MAP_TOKEN_VALUE,
  'numbers and booleans': () => [0, -1, 1.5, 1e300, NaN, Infinity, true, false, null, undefined],
  'a string token': () => variable.stringValue,
  'a string with tokens': () => `names: ${Token.asString(variable.listValue)} on ${port.stringValue}`,
  'a number token': () => port.numberValue,
  'a number token in a string': () => `port ${port.numberValue}`,
  'a list token': () => variable.listValue,
  'a number list token': () => ({ list: NUMBER_LIST, first: NUMBER_LIST[0] }),
  'huge plain numbers': () => [2 ** 899, -(2 ** 899), 2 ** 1000, -(2 ** 1000), Number.MAX_VALUE, -Number.MAX_VALUE],
  'a list with a token element': () => ['a', ...variable.listValue],
  'a map token': () => tags.value,
  'a string map token': () => Token.asStringMap(tags.value),
  'a token key': () => ({ [variable.stringValue]: 'value', plain: 'x' }),
  'Fn calls': () => ({
    joined: Fn.join(',', variable.listValue),
    element: Fn.element(variable.listValue, 0),
    nestedFn: Fn.upper(Fn.lower(variable.stringValue)),
    lookup: Fn.lookup(tags.value, 'team', 'none'),
  }),
  'escapes inside Fn': () => Fn.join('', ['${literal}', variable.stringValue]),
  'lazy values': () => ({
    s: Lazy.stringValue({ produce: () => 'lazy ${x}' }),
    n: Lazy.numberValue({ produce: () => 42 }),
    l: Lazy.listValue({ produce: () => ['a', variable.stringValue] }),
    a: Lazy.anyValue({ produce: () => ({ deep: [1, 'two', { three: port.numberValue }] }) }),
  }),
  'an iterator': () => {
    const iterator = TerraformIterator.fromList(variable.listValue);
    return { each: iterator.value, key: iterator.key };
  },
  'arrays drop undefined': () => [1, undefined, 'x', [undefined], { a: undefined, b: null }],
  'a date': () => new Date(0),
  'nested plain data': () => ({ a: { b: [{ c: 'd', e: [1, 2, { f: true }] }] }, 'k-e2e': 'v' }),
  'depth 199 ending in a string': () => nested(199, 'leaf'),
  'depth 200 ending in a string': () => nested(200, 'leaf'),
  'depth 201 ending in a string': () => nested(201, 'leaf'),
  'depth 200 ending in null': () => nested(200, null),
  'depth 200 ending in undefined': () => nested(200, undefined),
  'depth 200 ending in a number': () => nested(200, 7),
  'a function': () => ({ f: () => 1 }),
  'a construct': () => ({ scope: stack }),
  'a symbol': () => Symbol.for('x'),
  'a getter, read once': () => {
    let reads = 0;
    return Object.defineProperty({}, 'x', { enumerable: true, get: () => `read ${++reads}` });
  },
  'a sparse array and odd numbers': () => [1, , 3, NaN, -0], // eslint-disable-line no-sparse-arrays
  'an unregistered number token': () => ({ n: createTokenDouble(999999, false) }),
  'a number token as a key': () => ({ [port.numberValue]: 'x' }),
  'a key that resolves to no string': () => ({ [Token.asString(Lazy.anyValue({ produce: () => 42 }))]: 'x' }),
  'escapes in a string': () => 'a ${literal} and $${escaped} with ' + variable.stringValue,
};

// The contexts a value is resolved in: top level, and as inside a Fn call (braces
// suppressed), with escapes ignored, or warned about (each warning is recorded).
const CONTEXTS = {
  'top level': undefined,
  'braces suppressed': { suppressBraces: true, ignoreEscapes: false, warnEscapes: false },
  'escapes ignored': { suppressBraces: false, ignoreEscapes: true, warnEscapes: false },
  'escapes warned': { suppressBraces: true, ignoreEscapes: false, warnEscapes: true },
};

function run(resolve, make, preparing, previousContext) {
  const options = { scope: stack, resolver: new DefaultTokenResolver(new StringConcat()), preparing };
  if (previousContext) {
    options.previousContext = { ...previousContext };
  }
  const warnings = [];
  const warn = console.warn;
  console.warn = (...args) => warnings.push(args.join(' '));
  try {
    // util.inspect tells apart what JSON hides: NaN, -0, holes, undefined values
    return { value: util.inspect(resolve(make(), options), { depth: null }), warnings };
  } catch (err) {
    return { error: String(err && err.message), warnings };
  } finally {
    console.warn = warn;
  }
}

// A result as compared: a token's number in an error message depends on how many
// tokens were made before (each case is made afresh for each run).
function comparable(result) {
  return JSON.stringify(result).replace(/TOKEN\.\d+/g, 'TOKEN.n');
}

const results = [];
for (const [name, make] of Object.entries(cases)) {
  for (const preparing of [false, true]) {
    for (const [contextName, previousContext] of Object.entries(CONTEXTS)) {
      const expected = run(original, make, preparing, previousContext);
      const got = run(fast, make, preparing, previousContext);
      results.push({
        name: `${name} (preparing=${preparing}, ${contextName})`,
        same: comparable(expected) === comparable(got),
        expected,
        got,
      });
    }
  }
}
process.stdout.write(JSON.stringify(results));
