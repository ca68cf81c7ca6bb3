// Preloaded into the bundled server by bench/index-responsiveness/bench.mjs (`node --require`): samples the
// server's own event-loop delay with perf_hooks.monitorEventLoopDelay and appends one JSON line per ~100 ms to
// the file named by NOOTROPIC_LOOP_PROBE: { t: epoch ms, max / p99: the loop delay in that interval (ms) }. A
// block delays the line that reports it, never hides it. Not part of the product: the server does not load it.
const { monitorEventLoopDelay } = require('node:perf_hooks');
const { appendFileSync } = require('node:fs');

const out = process.env.NOOTROPIC_LOOP_PROBE;
if (out) {
  const h = monitorEventLoopDelay({ resolution: 5 });
  h.enable();
  const sample = () => {
    if (h.count) appendFileSync(out, `${JSON.stringify({ t: Date.now(), max: h.max / 1e6, p99: h.percentile(99) / 1e6 })}\n`);
    h.reset();
  };
  setInterval(sample, 100).unref();
  process.on('exit', sample);
}
