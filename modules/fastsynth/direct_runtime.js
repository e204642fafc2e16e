'use strict';
// The jsii kernel without its wrapper process; started by
// modules/fastsynth/provider_loading.py in place of jsii's bin/jsii-runtime.js.
//
// jsii's Python runtime starts `node bin/jsii-runtime.js`, a small wrapper
// whose only job is to spawn a second node process running lib/program.js
// (the kernel) with the API channel on fd 3, and to relay that child's
// stdout and stderr to its own stderr as {"stdout"|"stderr": <base64>} lines,
// which the Python side decodes. That is one more node start-up (~50 ms)
// before the kernel can start, and ~47 MB resident, for nothing a synth
// needs. Here the kernel runs in this very process, talking on our stdin and
// stdout (the pipes jsii's Python side already holds), and this process
// writes its console output as the same records on stderr.
//
// CDKTF_JSII_PROGRAM: path of jsii's extracted lib/program.js.

const fs = require('fs');

const API_FD = 3; // where program.js reads requests and writes responses
const STDIN = 0;
const STDOUT = 1;
const STDERR = 2;

const program = process.env.CDKTF_JSII_PROGRAM;
delete process.env.CDKTF_JSII_PROGRAM;
if (!program) {
  process.stderr.write('cdktf fast providers: CDKTF_JSII_PROGRAM is not set; ' +
    'this script is started by modules/fastsynth/provider_loading.py\n');
  process.exit(2);
}

const { readSync, writeSync } = fs;

// The API channel: requests on stdin, responses on stdout.
fs.readSync = function (fd, ...rest) {
  return readSync.call(fs, fd === API_FD ? STDIN : fd, ...rest);
};
fs.writeSync = function (fd, data, ...rest) {
  if (fd === API_FD) {
    return writeSync.call(fs, STDOUT, data, ...rest);
  }
  if (fd === STDOUT || fd === STDERR) {
    // stdout carries the API; console text travels as records on stderr.
    const bytes = bytesOf(data, ...rest);
    writeRecord(fd === STDOUT ? 'stdout' : 'stderr', bytes);
    return bytes.length;
  }
  return writeSync.call(fs, fd, data, ...rest);
};

function writeRecord(name, bytes) {
  if (bytes.length > 0) {
    writeSync.call(fs, STDERR, `${JSON.stringify({ [name]: bytes.toString('base64') })}\n`);
  }
}

// The bytes fs.writeSync(fd, data, ...rest) would write, for each of its forms.
function bytesOf(data, a, b) {
  if (typeof data === 'string') {
    return Buffer.from(data, typeof b === 'string' ? b : 'utf8');
  }
  const view = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const options = a !== null && typeof a === 'object' ? a : { offset: a, length: b };
  const offset = options.offset ?? 0;
  const length = options.length ?? view.length - offset;
  return view.subarray(offset, offset + length);
}

// process.stdout / process.stderr as synchronous streams of records, so that
// nothing node or a library prints can land in the API channel.
const { Writable } = require('stream');
for (const [name, fd] of [['stdout', STDOUT], ['stderr', STDERR]]) {
  const stream = new Writable({
    write(chunk, encoding, callback) {
      writeRecord(name, Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk, encoding));
      callback();
    },
  });
  stream.fd = fd;
  stream.isTTY = false;
  Object.defineProperty(process, name, { configurable: true, enumerable: true, get: () => stream });
}

// jsii's wrapper starts the kernel with --preserve-symlinks (its package cache
// links packages into a per-process node_modules), and the kernel reads that
// flag from process.execArgv. modules/fastsynth/provider_loading.py passes it in NODE_OPTIONS,
// which sets it for module resolution but does not show in execArgv.
if (!process.execArgv.includes('--preserve-symlinks')) {
  process.execArgv.push('--preserve-symlinks');
}

require(program);
