// Runs an ONNX model with ONNX Runtime (the test oracle) on raw float32
// inputs: node ort_run.js MODEL.onnx SHAPES IN0.bin ... -- OUT0.bin ...
// SHAPES is "1x3x48x192,..." in input order.
'use strict';
const fs = require('fs');
const path = require('path');
const ortPath = process.env.KILN_ORT_MODULE ||
  path.join(__dirname, '..', 'third_party', 'node_modules', 'onnxruntime-node');
const ort = require(ortPath);

(async () => {
  const [model, shapes, ...rest] = process.argv.slice(2);
  const sep = rest.indexOf('--');
  const inputs = rest.slice(0, sep), outputs = rest.slice(sep + 1);
  const session = await ort.InferenceSession.create(model, {
    graphOptimizationLevel: process.env.KILN_ORT_OPTIMIZATION || 'all',
    intraOpNumThreads: 1, interOpNumThreads: 1,
    logSeverityLevel: 3,
  });
  const dims = shapes.split(',').map((s) => s.split('x').map(Number));
  const feeds = {};
  session.inputNames.forEach((name, i) => {
    const buf = fs.readFileSync(inputs[i]);
    const data = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
    feeds[name] = new ort.Tensor('float32', Float32Array.from(data), dims[i]);
  });
  const result = await session.run(feeds);
  session.outputNames.forEach((name, i) => {
    const t = result[name];
    fs.writeFileSync(outputs[i], Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  });
})().catch((e) => { console.error('error: ' + e.message); process.exit(1); });
