#!/usr/bin/env node
// Times one ONNX model with onnxruntime-node on the CPU and prints one JSON line.
//
//   node ort_bench.js --model M.onnx --input [NAME=]FILE.pb [--input ...]
//                     --threads T [--repeat R] [--warmup W] [--output-dir DIR]
//
// The session is set up like a single-stream latency run: the CPU execution
// provider only, intraOpNumThreads = T, interOpNumThreads = 1, sequential
// execution, all graph optimizations. Each repeat is timed around
// session.run(); loading and warm-up runs are not timed. The JSON carries the
// per-repeat latencies, the number of OS threads that creating the session added
// to the process (T: T - 1 intra-op workers, the calling thread being the
// first, plus one that onnxruntime starts once per process), and the process
// CPU time over the wall time of the timed runs (about 1 at T = 1), and the
// time creating the session took (session_ms). --output-dir DIR writes the last
// run's outputs as DIR/<name>.pb (ONNX TensorProto, names sanitized as kiln-run's).
'use strict';

const fs = require('fs');
const path = require('path');
const ort = require('onnxruntime-node');
const { readTensorProto, writeTensorProto } = require('./tensor_pb');

function parseArgs(argv) {
  const args = { inputs: [], threads: 1, repeat: 20, warmup: 3 };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[++i];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === '--model') args.model = value;
    else if (flag === '--input') args.inputs.push(value);
    else if (flag === '--threads') args.threads = parseInt(value, 10);
    else if (flag === '--repeat') args.repeat = parseInt(value, 10);
    else if (flag === '--warmup') args.warmup = parseInt(value, 10);
    else if (flag === '--output-dir') args.outputDir = value;
    else throw new Error(`unknown flag ${flag}`);
  }
  if (!args.model || args.inputs.length === 0) {
    throw new Error('usage: ort_bench.js --model M.onnx --input [NAME=]FILE.pb ' +
                    '--threads T [--repeat R] [--warmup W] [--output-dir DIR]');
  }
  return args;
}

// Peak resident memory of this process in MB: VmHWM of /proc/self/status, not
// resourceUsage().maxRSS, which on Linux keeps the high-water mark of the parent
// that spawned node (exec carries it over: a Python driver's RSS would count).
function peakRssMb() {
  try {
    const kb = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    if (kb) return Number(kb[1]) / 1024;
  } catch (err) { /* not Linux: fall back */ }
  return process.resourceUsage().maxRSS / 1024;
}

// Number of OS threads of this process (Linux).
function osThreads() {
  return fs.readdirSync('/proc/self/task').length;
}

// Feeds from "[NAME=]FILE.pb" specs: by name, else by the tensor's own name,
// else by position among the session's inputs.
function loadFeeds(specs, inputNames) {
  const feeds = {};
  specs.forEach((spec, position) => {
    const eq = spec.indexOf('=');
    const file = eq > 0 ? spec.slice(eq + 1) : spec;
    const t = readTensorProto(fs.readFileSync(file));
    let name = eq > 0 ? spec.slice(0, eq) : t.name;
    if (!inputNames.includes(name)) name = inputNames[position];
    feeds[name] = new ort.Tensor(t.type, t.data, t.dims);
  });
  return feeds;
}

// Writes each output as DIR/<name>.pb, the name's unsafe characters as '_'.
function writeOutputs(dir, results) {
  fs.mkdirSync(dir, { recursive: true });
  for (const [name, t] of Object.entries(results)) {
    let file = name.replace(/[^A-Za-z0-9._-]/g, '_');
    if (/^\.*$/.test(file)) file = `_${file}`;
    fs.writeFileSync(path.join(dir, `${file}.pb`), writeTensorProto(name, t.type, t.dims, t.data));
  }
}

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const threadsBefore = osThreads();
  const sessionStart = process.hrtime.bigint();
  const session = await ort.InferenceSession.create(args.model, {
    executionProviders: ['cpu'],
    intraOpNumThreads: args.threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  const sessionMs = Number(process.hrtime.bigint() - sessionStart) / 1e6;
  const threadsAdded = osThreads() - threadsBefore;
  const feeds = loadFeeds(args.inputs, session.inputNames);

  for (let i = 0; i < args.warmup; i++) await session.run(feeds);
  const latencies = [];
  let results;
  const cpuStart = process.cpuUsage();
  const wallStart = process.hrtime.bigint();
  for (let i = 0; i < args.repeat; i++) {
    const start = process.hrtime.bigint();
    results = await session.run(feeds);
    latencies.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  const wallUs = Number(process.hrtime.bigint() - wallStart) / 1e3;
  const cpu = process.cpuUsage(cpuStart);
  if (args.outputDir) writeOutputs(args.outputDir, results);

  console.log(JSON.stringify({
    model: path.basename(args.model),
    ort_version: ort.env.versions.node,
    threads: args.threads,
    session_threads_added: threadsAdded,
    session_ms: sessionMs,
    cpu_per_wall: (cpu.user + cpu.system) / wallUs,
    peak_rss_mb: peakRssMb(),
    warmup: args.warmup,
    repeat: args.repeat,
    median_ms: median(latencies),
    min_ms: Math.min(...latencies),
    latencies_ms: latencies,
  }));
}

main().catch((err) => {
  console.error(`ort_bench.js: ${err.message || err}`);
  process.exit(1);
});
