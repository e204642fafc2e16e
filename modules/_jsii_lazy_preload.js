'use strict';
// Preloaded into the jsii kernel's node processes (NODE_OPTIONS=--require ...)
// by modules/provider_loading.py; see that module for the whole picture.
//
// The kernel loads an assembly with require(require.resolve('<npm name>')),
// i.e. the package's main entry lib/index.js, which eagerly requires every
// submodule (~2,100 files for @cdktf/provider-aws). cdktf's prebuilt providers
// also ship lib/lazy-index.js, exporting the same namespaces through getters
// that require a submodule on first access. For the packages named in
// CDKTF_LAZY_INDEX_PACKAGES we resolve the bare package name to that file.
// Deep requires (e.g. '<npm name>/lib/vpc') are left alone, so a submodule is
// still a single module instance whichever way it is reached.

const fs = require('fs');
const path = require('path');
const Module = require('module');

const packages = new Set(
  (process.env.CDKTF_LAZY_INDEX_PACKAGES || '').split(',').filter(Boolean),
);

if (packages.size > 0) {
  const resolveFilename = Module._resolveFilename;
  const reported = new Set();

  Module._resolveFilename = function (request, ...rest) {
    const resolved = resolveFilename.call(this, request, ...rest);
    if (!packages.has(request)) {
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
