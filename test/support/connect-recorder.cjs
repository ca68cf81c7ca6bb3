// Preloaded (NODE_OPTIONS=--require) into spawned servers: records every outgoing TCP connection attempt to
// the file named by NOOTROPIC_TEST_CONNECT_LOG, from Node's own diagnostics channels. Tests use it to show that
// a refused endpoint saw no connection attempt at all.
const dc = require('node:diagnostics_channel');
const fs = require('node:fs');
const file = process.env.NOOTROPIC_TEST_CONNECT_LOG;
if (file) {
  dc.subscribe('undici:client:beforeConnect', (m) => {
    const p = m && m.connectParams;
    fs.appendFileSync(file, `${p ? `${p.hostname}:${p.port}` : 'unknown'}\n`);
  });
  dc.subscribe('net.client.socket', () => fs.appendFileSync(file, 'net.client.socket\n'));
}
