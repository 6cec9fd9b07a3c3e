// Median ONNX Runtime latency (ms) of ROUNDS runs on random float32 input:
// node ort_timing.js MODEL SHAPE ROUNDS THREADS
'use strict';
const path = require('path');
const ort = require(process.env.KILN_ORT_MODULE ||
  path.join(__dirname, '..', 'third_party', 'node_modules', 'onnxruntime-node'));
(async () => {
  const [model, shapeText, roundsText, threadsText] = process.argv.slice(2);
  const shape = shapeText.split('x').map(Number);
  const session = await ort.InferenceSession.create(model, {
    graphOptimizationLevel: 'all', intraOpNumThreads: Number(threadsText),
    interOpNumThreads: 1, executionMode: 'sequential',
  });
  const n = shape.reduce((a, b) => a * b, 1);
  const x = new ort.Tensor('float32', Float32Array.from({ length: n }, () => Math.random()), shape);
  const feeds = { [session.inputNames[0]]: x };
  await session.run(feeds); // warm-up
  const ms = [];
  for (let r = 0; r < Number(roundsText); r++) {
    const t = process.hrtime.bigint();
    await session.run(feeds);
    ms.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  ms.sort((a, b) => a - b);
  console.log(ms[Math.floor(ms.length / 2)].toFixed(3));
})().catch((e) => { console.error('error: ' + e.message); process.exit(1); });
