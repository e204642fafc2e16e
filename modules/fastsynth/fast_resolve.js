'use strict';
// cdktf 0.21.0's token resolution (lib/tokens/private/resolve.js), the same walk
// with the work it does for nothing left out. Installed by lazy_preload.js (point 4)
// in place of that module's `resolve` export, which every caller reaches through
// the exports object (`(0, resolve_1.resolve)(...)`).
//
// Why: a synth resolves every element of a stack three times (the preparing run,
// the element itself, then the merged document again), and the original spends
// most of each walk on bookkeeping for values that hold no token: for every key
// and every value it builds a resolution context (an object and two closures),
// joins the whole key path into a string used only in error messages, and runs
// three regular expressions over each string. With 50 ROSA clusters that is about
// a third of the kernel's CPU time.
//
// What changes, and why the output cannot:
// * the key path string (`pathName`) is built only when an error needs it;
// * a string is returned as it is, with no context made, when the original would
//   return it unchanged: it contains no token marker (`TfToken[`, which every
//   string and list token encoding starts with), is not one of the two map-token
//   placeholders (the original throws for them; so does this), and holds nothing
//   the number-token expression matches (a number token stringified into it);
// * a number smaller in magnitude than 2^900 is never a token (cdktf encodes one
//   as a negative double near -2^992); any other is looked up in the token map
//   directly, and a context is made only when it is a token;
// * booleans, null and undefined are returned at once, as the original does.
// Objects, arrays and tokens go through the original's steps, with contexts made
// exactly as it makes them, so resolvers, post-processors and the
// suppressBraces/ignoreEscapes/warnEscapes/iteratorContext flags see the same
// things. tests/unit/fastsynth/fast_resolve_cases.js runs both on the same values
// (tokens of every kind, Fn calls, escapes, the depth limit, each error); the golden
// JSON of every example (tests/golden) and the naive synth (CDKTF_FAST_PROVIDERS=0,
// the original code) must stay byte-identical.

// The original's number-token expression (encoding.js NUMBER_TOKEN_REGEX), without
// the global flag so that test() keeps no state.
const NUMBER_TOKEN = /[-|\d|.\+]+(e[-|\d|.|e|E|\+]+)/;
const TOKEN_MARKER = 'TfToken[';
// Numbers smaller in magnitude than this cannot encode a token (see `untouched`).
const NO_TOKEN_BELOW = 2 ** 900;
// The original's limit on the key path's length (its guard against cycles).
const MAX_DEPTH = 200;

/**
 * A drop-in `resolve(obj, options)` for the resolve.js `module` of cdktf 0.21.0;
 * its siblings are loaded through that module, so they are the instances cdktf uses.
 */
function fastResolve(module) {
  // Looked up on the first call: when resolve.js has just loaded, some of these are
  // still loading (cdktf's modules require each other in a cycle).
  let encoding, TokenMap, Token, StringConcat, errors, tokenMap;
  function loadSiblings() {
    encoding = module.require('./encoding');
    ({ TokenMap } = module.require('./token-map'));
    ({ Token } = module.require('../token'));
    ({ StringConcat } = module.require('../resolvable'));
    errors = module.require('../../errors');
    tokenMap = TokenMap.instance();
  }

  // Whether the original returns string `s` unchanged without a lookup: see above.
  function plainString(s) {
    return s.indexOf(TOKEN_MARKER) === -1 &&
      s !== Token.STRING_MAP_TOKEN_VALUE &&
      s !== Token.ANY_MAP_TOKEN_VALUE &&
      !NUMBER_TOKEN.test(s);
  }

  // Whether the original returns `value` as it is, making only contexts it drops:
  // undefined, null, a boolean, a plain string, a number that is no token. Only
  // within the original's depth limit, past which it throws whatever the value.
  function untouched(value, depth) {
    if (depth > MAX_DEPTH) {
      return false;
    }
    switch (typeof value) {
      case 'undefined':
      case 'boolean':
        return true;
      case 'string':
        return plainString(value);
      case 'number':
        // A number token is a negative double of magnitude about 2^992 (its top 16 bits
        // are cdktf's marker 0xfdff, encoding.js): any smaller number is none.
        return value !== Token.NUMBER_MAP_TOKEN_VALUE &&
          (Math.abs(value) < NO_TOKEN_BELOW || tokenMap.lookupNumberToken(value) === undefined);
      default:
        return value === null;
    }
  }

  function resolve(obj, options) {
    if (tokenMap === undefined) {
      loadSiblings();
    }
    if (untouched(obj, options.prefix ? options.prefix.length : 0)) {
      return obj;
    }
    const prefix = options.prefix || [];
    const pathName = () => '/' + prefix.join('/');

    function makeContext(appendPath) {
      const newPrefix = appendPath !== undefined ? prefix.concat([appendPath]) : options.prefix;
      let postProcessor;
      const context = {
        preparing: options.preparing,
        scope: options.scope,
        suppressBraces: options.previousContext?.suppressBraces,
        ignoreEscapes: options.previousContext?.ignoreEscapes,
        warnEscapes: options.previousContext?.warnEscapes,
        iteratorContext: options.previousContext?.iteratorContext,
        registerPostProcessor(pp) {
          postProcessor = pp;
        },
        resolve(x) {
          // The original spreads `options`; these are all the keys it can have (the
          // one outside caller, Token.resolve, passes scope, resolver and preparing).
          return resolve(x, {
            scope: options.scope,
            resolver: options.resolver,
            preparing: options.preparing,
            prefix: newPrefix,
            previousContext: context,
          });
        },
      };
      return [
        context,
        {
          postProcess(x) {
            return postProcessor ? postProcessor.postProcess(x, context) : x;
          },
        },
      ];
    }

    if (prefix.length > MAX_DEPTH) {
      throw errors.unableToResolveCircularReference(pathName());
    }
    if (typeof obj === 'function') {
      throw errors.cannotResolveFunction(pathName(), obj);
    }
    if (typeof obj === 'string') {
      if (encoding.TokenString.forListToken(obj).test()) {
        throw errors.encodedListTokenInScalarStringContext();
      }
      if (obj === Token.STRING_MAP_TOKEN_VALUE || obj === Token.ANY_MAP_TOKEN_VALUE) {
        throw errors.encodedMapTokenInScalarStringContext();
      }
      let str = obj;
      const context = makeContext()[0];
      const tokenStr = encoding.TokenString.forString(str, !context.ignoreEscapes, context.warnEscapes);
      if (tokenStr.test()) {
        const fragments = tokenStr.split(tokenMap.lookupToken.bind(tokenMap));
        str = options.resolver.resolveString(fragments, makeContext()[0]);
      }
      const tokenNumberStr = encoding.TokenString.forNumbers(str);
      if (tokenNumberStr.test()) {
        const fragments = tokenNumberStr.split((id) => TokenMap.instance().lookupNumberToken(parseFloat(id)));
        str = fragments.mapTokens(makeContext()[0]).join(new StringConcat());
      }
      return str;
    }
    if (typeof obj === 'number') {
      if (obj === Token.NUMBER_MAP_TOKEN_VALUE) {
        throw errors.encodedMapTokenInScalarNumberContext();
      }
      const token = tokenMap.lookupNumberToken(obj);
      return token === undefined ? obj : makeContext()[0].resolve(token);
    }
    if (typeof obj !== 'object' || obj instanceof Date) {
      return obj;
    }
    if (Array.isArray(obj)) {
      if (encoding.containsStringListTokenElement(obj)) {
        return options.resolver.resolveList(obj, makeContext()[0]);
      }
      if (encoding.containsNumberListTokenElement(obj)) {
        return options.resolver.resolveNumberList(obj, makeContext()[0]);
      }
      return obj
        .map((x, i) => (untouched(x, prefix.length + 1) ? x : makeContext(`${i}`)[0].resolve(x)))
        .filter((x) => typeof x !== 'undefined');
    }
    if (encoding.containsMapToken(obj)) {
      return options.resolver.resolveMap(obj, makeContext()[0]);
    }
    if (encoding.unresolved(obj)) {
      const [context, postProcessor] = makeContext();
      return options.resolver.resolveToken(obj, context, postProcessor);
    }
    if (obj._children !== undefined && obj._metadata !== undefined) {
      throw errors.constructsCannotBeResolved(pathName());
    }
    const result = {};
    for (const key of Object.keys(obj)) {
      const resolvedKey = plainString(key) ? key : makeContext()[0].resolve(key);
      if (typeof resolvedKey !== 'string') {
        throw errors.mapKeyMustResolveToString(pathName(), key, resolvedKey);
      }
      const child = obj[key]; // read once, as the original does (a getter may answer anew)
      const value = untouched(child, prefix.length + 1) ? child : makeContext(key)[0].resolve(child);
      if (typeof value === 'undefined') {
        continue;
      }
      result[resolvedKey] = value;
    }
    return result;
  }

  return resolve;
}

module.exports = { fastResolve };
