import { fork, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { createMessageConnection, IPCMessageReader, IPCMessageWriter, SocketMessageReader, SocketMessageWriter } from 'vscode-jsonrpc/node';
import { ErrorCodes, type InitializeResult } from 'vscode-languageserver-protocol';
import { Doctor, Search, clientToServerRequests } from '../../shared/protocol';
import { parseFrames, spawnStdioServer, type LspProcess } from '../support/lsp-process';
import { cleanEnv, REPO_ROOT, SERVER_BUNDLE } from '../support/paths';
import path from 'node:path';

let proc: LspProcess | undefined;
afterEach(() => {
  proc?.kill();
  proc = undefined;
});

type Advertised = { nootropic: { methods: string[]; version: string } };

describe('nootropic-lsp --stdio (the bundled server as other editors run it)', () => {
  it('advertises its methods, rejects unknown and junk requests, keeps serving, and exits 0 after shutdown', async () => {
    proc = spawnStdioServer();
    const init = await proc.initialize(null);
    const adv = (init.capabilities.experimental as Advertised).nootropic;
    expect(adv.methods).toEqual(clientToServerRequests.map((d) => d.method).sort());
    await expect(proc.client.sendRequest('nootropic/does-not-exist', {})).rejects.toMatchObject({ code: ErrorCodes.MethodNotFound });
    await expect(proc.client.sendRequest(Doctor.method, { timeoutMs: -5 })).rejects.toMatchObject({
      code: ErrorCodes.InvalidParams,
      message: expect.stringContaining('params.timeoutMs'),
    });
    await expect(proc.client.sendRequest(Doctor.method, 'junk')).rejects.toMatchObject({ code: ErrorCodes.InvalidParams });
    const report = Doctor.result.parse(await proc.client.sendRequest(Doctor.method, { timeoutMs: 300 }));
    expect(report.server.transport).toBe('stdio');
    await proc.client.sendRequest('shutdown');
    await proc.client.sendNotification('exit');
    expect(await proc.exit).toBe(0);
    // Every byte the server wrote to stdout is a well-formed LSP frame.
    const frames = parseFrames(Buffer.concat(proc.stdout));
    expect(frames.length).toBeGreaterThan(3);
    expect(proc.stderr.join('')).toMatch(/"msg":"listening"/);
  });

  it('survives malformed JSON on the wire and answers the next request', async () => {
    proc = spawnStdioServer();
    await proc.initialize(null);
    const junk = '{"jsonrpc":"2.0","id":99,"method":';
    proc.child.stdin!.write(`Content-Length: ${Buffer.byteLength(junk)}\r\n\r\n${junk}`);
    const notJsonRpc = JSON.stringify({ hello: 'world' });
    proc.child.stdin!.write(`Content-Length: ${Buffer.byteLength(notJsonRpc)}\r\n\r\n${notJsonRpc}`);
    const report = Doctor.result.parse(await proc.client.sendRequest(Doctor.method, { timeoutMs: 300 }));
    expect(report.server.state).toBe('running');
    expect(proc.child.exitCode).toBeNull();
  });

  it('exits 1 (not 0) on exit without shutdown, and reports it in the log', async () => {
    proc = spawnStdioServer();
    await proc.initialize(null);
    await proc.client.sendNotification('exit');
    expect(await proc.exit).toBe(1);
    expect(proc.stderr.join('')).toMatch(/"msg":"exit","code":1/);
  });

  it('serves over --node-ipc (what VS Code uses)', async () => {
    const child = fork(SERVER_BUNDLE, ['--node-ipc'], { env: cleanEnv(), stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    const client = createMessageConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
    client.listen();
    try {
      const init = await client.sendRequest<InitializeResult>('initialize', { processId: process.pid, rootUri: null, capabilities: {} });
      expect((init.capabilities.experimental as Advertised).nootropic.methods).toContain(Doctor.method);
      await client.sendRequest('shutdown');
      const exited = new Promise<number | null>((r) => child.once('exit', r));
      await client.sendNotification('exit');
      expect(await exited).toBe(0);
    } finally {
      client.dispose();
      child.kill();
    }
  });

  it('serves over --socket=PORT, connecting to a client listening on loopback', async () => {
    const accepted = new Promise<net.Socket>((resolve) => {
      const srv = net.createServer((s) => {
        srv.close();
        resolve(s);
      });
      srv.listen(0, '127.0.0.1', () => {
        const port = (srv.address() as net.AddressInfo).port;
        const child = spawn(process.execPath, [SERVER_BUNDLE, `--socket=${port}`], { env: cleanEnv(), stdio: 'ignore' });
        accepted.finally(() => setTimeout(() => child.kill(), 5_000));
      });
    });
    const socket = await accepted;
    const client = createMessageConnection(new SocketMessageReader(socket), new SocketMessageWriter(socket));
    client.listen();
    try {
      const init = await client.sendRequest<InitializeResult>('initialize', { processId: null, rootUri: null, capabilities: {} });
      expect((init.capabilities.experimental as Advertised).nootropic.methods).toContain(Doctor.method);
    } finally {
      client.dispose();
      socket.destroy();
    }
  });

  it('searches through the index worker the launcher started before the server loaded, and through a fresh one when the index runs inline', async () => {
    const ws = mkdtempSync(path.join(os.tmpdir(), 'nootropic-prewarm-'));
    try {
      writeFileSync(path.join(ws, 'billing.py'), 'def compute_invoice_total(lines):\n    return sum(l.amount for l in lines)\n');
      for (const [env, prewarmed] of [[{}, true], [{ NOOTROPIC_INDEX_INLINE: '1' }, false]] as const) {
        proc = spawnStdioServer(env);
        await proc.initialize(ws);
        const result = Search.result.parse(await proc.client.sendRequest(Search.method, { query: 'invoice total', limit: 5 }));
        expect(result.hits.map((h) => h.path)).toContain('billing.py');
        const log = proc.stderr.join('');
        if (prewarmed) expect(log).toMatch(/"msg":"index worker: using the thread started at launch","startedMsBefore":\d+/);
        else expect(log).not.toMatch(/thread started at launch/);
        proc.kill();
      }
    } finally {
      rmSync(ws, { recursive: true, force: true });
    }
  });

  it('bin/nootropic-lsp explains its flags: exit 2 without a transport, 0 for --version', async () => {
    const run = (args: string[]) =>
      new Promise<{ code: number | null; err: string }>((resolve) => {
        const c = spawn(process.execPath, [path.join(REPO_ROOT, 'bin', 'nootropic-lsp.js'), ...args], { env: cleanEnv() });
        let err = '';
        c.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
        c.once('exit', (code) => resolve({ code, err }));
      });
    const none = await run([]);
    expect(none.code).toBe(2);
    expect(none.err).toMatch(/--stdio, --node-ipc or --socket=PORT/);
    const version = await run(['--version']);
    expect(version.code).toBe(0);
    expect(version.err.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
