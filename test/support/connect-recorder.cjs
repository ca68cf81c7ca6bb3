// Preloaded (NODE_OPTIONS=--require) into spawned servers: records every outgoing TCP connection attempt, as
// `host:port`, to the file named by NOOTROPIC_TEST_CONNECT_LOG. Every client (undici/fetch, http, tls, the
// official model clients) ends in net.Socket#connect, so that is where attempts are seen. Tests use it to show
// that a refused endpoint saw no connection attempt at all (and that only loopback was ever dialled).
const net = require('node:net');
const fs = require('node:fs');
const file = process.env.NOOTROPIC_TEST_CONNECT_LOG;
if (file) {
  const connect = net.Socket.prototype.connect;
  net.Socket.prototype.connect = function (...args) {
    // net.connect() hands over its normalized [options, cb] array; direct callers pass (options) or (port, host).
    const first = Array.isArray(args[0]) ? args[0][0] : args[0];
    const target =
      first && typeof first === 'object'
        ? // http.request passes its URL path down with host and port; only a port-less path is a Unix socket.
          first.port === undefined && first.path !== undefined
          ? first.path
          : `${first.host ?? 'localhost'}:${first.port}`
        : `${typeof args[1] === 'string' ? args[1] : 'localhost'}:${first}`;
    fs.appendFileSync(file, `${target}\n`);
    return connect.apply(this, args);
  };
}
