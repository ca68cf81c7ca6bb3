// Loaded with `node --require` into a process under test: records every outbound TCP connection and DNS lookup
// to NOOTROPIC_EGRESS_LOG (one JSON line each) and refuses non-loopback ones, so a test can prove that nothing
// left the machine.
'use strict';
const fs = require('node:fs');
const net = require('node:net');
const dns = require('node:dns');
const LOG = process.env.NOOTROPIC_EGRESS_LOG;
const isLoopback = (h) => !h || h === 'localhost' || /^127\./.test(h) || h === '::1' || h === '[::1]' || /^::ffff:127\./.test(h);
const record = (kind, host, port) => {
  if (LOG) fs.appendFileSync(LOG, JSON.stringify({ kind, host, port, pid: process.pid }) + '\n');
};
const origConnect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  // net.connect() passes its already-normalized [options, callback] array as the first argument.
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  const opts = typeof first === 'object' && first !== null ? first : { port: first, host: typeof args[1] === 'string' ? args[1] : undefined };
  // A Unix socket has a path and no port; http.request hands its URL path (`/v1/traces`) down too, with a port.
  if (opts.path === undefined || opts.port !== undefined) {
    record('connect', opts.host ?? 'localhost', opts.port);
    if (!isLoopback(opts.host)) {
      const err = new Error(`egress guard: refused connection to ${opts.host}:${opts.port}`);
      process.nextTick(() => this.destroy(err));
      return this;
    }
  }
  return origConnect.apply(this, args);
};
const origLookup = dns.lookup;
dns.lookup = function (host, ...rest) {
  record('lookup', host);
  return origLookup.call(this, host, ...rest);
};
