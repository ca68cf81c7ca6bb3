import { describe, expect, it } from 'vitest';
import { parseTransport } from '../../server/src/transport';

describe('nootropic-lsp transport flags', () => {
  it('parses the three transports', () => {
    expect(parseTransport(['--stdio'])).toEqual({ kind: 'stdio' });
    expect(parseTransport(['--node-ipc', '--clientProcessId=12'])).toEqual({ kind: 'node-ipc' });
    expect(parseTransport(['--socket=5007'])).toEqual({ kind: 'socket', port: 5007 });
    expect(parseTransport(['--socket', '5008'])).toEqual({ kind: 'socket', port: 5008 });
  });

  it('explains what is missing or wrong', () => {
    expect(parseTransport([])).toMatchObject({ error: expect.stringMatching(/--stdio, --node-ipc or --socket=PORT/) });
    expect(parseTransport(['--socket=abc'])).toMatchObject({ error: expect.stringMatching(/port number/) });
  });
});
