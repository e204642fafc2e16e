'use strict';
// Preloaded into the jsii kernel's node process (NODE_OPTIONS=--require ...)
// by modules/fastsynth/provider_loading.py; see that module for the whole picture.
// Five things, each falling back to jsii's normal behaviour where the files or
// calls are not what they expect.
//
// 1. Lazy provider entry points. The kernel loads an assembly with
//    require(require.resolve('<npm name>')), i.e. the package's main entry
//    lib/index.js, which eagerly requires every submodule (~2,100 files for
//    @cdktf/provider-aws). cdktf's prebuilt providers also ship
//    lib/lazy-index.js, exporting the same namespaces through getters that
//    require a submodule on first access. For the packages named in
//    CDKTF_LAZY_INDEX_PACKAGES we resolve the bare package name to that file.
//    Deep requires (e.g. '<npm name>/lib/vpc') are left alone, so a submodule
//    is still a single module instance whichever way it is reached.
//
// 2. Type definitions read by range. For each assembly the kernel keeps a
//    runtime index and reads the type definitions file next to it
//    (.jsii.runtime-defs.v1.jsonl: 33 MB for aws, 14 MB for kubernetes) into
//    memory whole, the first time it needs one type, to JSON.parse the slice
//    buf.toString('utf-8', start, end) of each type it looks up (a few dozen
//    per synth). We hand it a stand-in that answers exactly that call with a
//    positioned read of the file; any other use of the buffer reads the file
//    whole, as before. Saves ~47 MB of resident memory and the reads.
//
// 3. No creation stacks for tokens. cdktf records a full JavaScript stack trace
//    (Error.captureStackTrace with no depth limit, split into lines) for every
//    token it makes: each attribute reference, Lazy value and Fn call, about
//    2,600 of them with 50 ROSA clusters, ~6 ms per cluster. The trace is only
//    ever printed in the error for a token that fails to resolve, and in a
//    jsii app it holds the kernel's own frames, never a line of the Python
//    program. cdktf's captureStackTrace is replaced by one returning [] (what
//    it returns when there is no stack), which cdktf's messages already handle
//    by leaving the "creation stack" part out.
//
// 4. Token resolution without the bookkeeping for values that hold no token.
//    cdktf's resolve(), which walks every stack element three times per synth,
//    is replaced by the same walk in fast_resolve.js, which returns plain
//    strings, numbers, booleans and nulls as they are without building a
//    resolution context for each (see that file for the exact conditions).
//
// 5. cdktf's two heavy dependencies loaded on first use. Loading cdktf requires
//    `archiver` (about 200 modules, ~70 ms: it zips a TerraformAsset, in a child
//    node process that cdktf starts for it) and `semver` (~15 ms: checks a binary's
//    version in one validation). For the cdktf modules that require them, each is
//    a stand-in that loads the real module the first time it is called or read.

const fs = require('fs');
const path = require('path');
const Module = require('module');

const packages = new Set(
  (process.env.CDKTF_LAZY_INDEX_PACKAGES || '').split(',').filter(Boolean),
);

if (packages.size > 0) {
  resolveToLazyIndex(packages);
  readTypeDefinitionsByRange();
  skipTokenCreationStacks();
  resolveTokensFast();
  loadOnFirstUse({
    archiver: /[\\/]cdktf[\\/]lib[\\/]private[\\/]fs\.js$/,
    semver: /[\\/]cdktf[\\/]lib[\\/]validations[\\/]validate-binary-version\.js$/,
  });
}

function resolveToLazyIndex(names) {
  const resolveFilename = Module._resolveFilename;
  const reported = new Set();

  Module._resolveFilename = function (request, ...rest) {
    const resolved = resolveFilename.call(this, request, ...rest);
    if (!names.has(request)) {
      return resolved;
    }
    const lazyIndex = path.join(path.dirname(resolved), 'lazy-index.js');
    if (path.basename(resolved) === 'index.js' && fs.existsSync(lazyIndex)) {
      return lazyIndex;
    }
    // Normal (eager) path for this package: correct, only slower. Say so once.
    if (!reported.has(request)) {
      reported.add(request);
      process.stderr.write(
        `cdktf fast providers: ${request} has no lib/lazy-index.js, ` +
          `loading ${resolved} eagerly\n`,
      );
    }
    return resolved;
  };
}

function readTypeDefinitionsByRange() {
  const DEFS_FILE = /[\\/]\.jsii\.runtime-defs\.v1\.jsonl$/;
  const readFileSync = fs.readFileSync;

  fs.readFileSync = function (file, options) {
    if (options === undefined && typeof file === 'string' && DEFS_FILE.test(file)) {
      return rangeReadable(file, () => readFileSync.call(fs, file));
    }
    return readFileSync.apply(this, arguments);
  };
}

// A Buffer stand-in for `file`: toString(encoding, start, end) is a positioned
// read; everything else goes to the whole file, read on first such use.
function rangeReadable(file, readWhole) {
  let fd;
  let whole;
  const wholeBuffer = () => (whole === undefined ? (whole = readWhole()) : whole);

  function toString(encoding, start, end) {
    if (whole === undefined && Number.isInteger(start) && Number.isInteger(end) && end >= start) {
      if (fd === undefined) {
        fd = fs.openSync(file, 'r');
      }
      const slice = Buffer.allocUnsafe(end - start);
      let done = 0;
      while (done < slice.length) {
        const n = fs.readSync(fd, slice, done, slice.length - done, start + done);
        if (n === 0) {
          throw new Error(`${file} is shorter than its runtime index says (${start}-${end})`);
        }
        done += n;
      }
      return slice.toString(encoding);
    }
    return wholeBuffer().toString(encoding, start, end);
  }

  return new Proxy(Buffer.alloc(0), {
    get(_target, property) {
      if (property === 'toString') {
        return toString;
      }
      const value = wholeBuffer()[property];
      return typeof value === 'function' ? value.bind(wholeBuffer()) : value;
    },
    has: (_target, property) => property in wholeBuffer(),
  });
}

// Run `patch(module)` once the module at a path matching `pattern` has loaded.
function afterLoading(pattern, patch) {
  const loadJs = Module._extensions['.js'];

  Module._extensions['.js'] = function (module, filename) {
    loadJs.call(this, module, filename);
    if (pattern.test(filename)) {
      patch(module);
    }
  };
}

function skipTokenCreationStacks() {
  afterLoading(/[\\/]cdktf[\\/]lib[\\/]tokens[\\/]private[\\/]stack-trace\.js$/, (module) => {
    if (typeof module.exports.captureStackTrace === 'function') {
      module.exports.captureStackTrace = function captureStackTrace() {
        return [];
      };
    }
  });
}

function resolveTokensFast() {
  afterLoading(/[\\/]cdktf[\\/]lib[\\/]tokens[\\/]private[\\/]resolve\.js$/, (module) => {
    if (typeof module.exports.resolve === 'function') {
      module.exports.resolve = require('./fast_resolve.js').fastResolve(module);
    }
  });
}

// For each `name: pattern`, `require(name)` from a module whose file matches
// `pattern` returns a stand-in for the module, loaded (from that module, so from
// the same node_modules) the first time the stand-in is called, constructed or read.
function loadOnFirstUse(lazily) {
  const load = Module._load;

  Module._load = function (request, parent, ...rest) {
    const pattern = Object.prototype.hasOwnProperty.call(lazily, request) ? lazily[request] : undefined;
    if (pattern === undefined || !parent || !pattern.test(parent.filename || '')) {
      return load.call(this, request, parent, ...rest);
    }
    let real;
    const module = () => (real === undefined ? (real = load.call(this, request, parent, ...rest)) : real);
    return new Proxy(function standIn() {}, {
      apply: (_target, thisArg, args) => Reflect.apply(module(), thisArg, args),
      construct: (_target, args) => Reflect.construct(module(), args),
      get: (_target, property) => module()[property],
      has: (_target, property) => property in module(),
    });
  };
}
