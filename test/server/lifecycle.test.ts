import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCodes } from 'vscode-languageserver-protocol';
import { Doctor, PROTOCOL_VERSION, clientToServerRequests } from '../../shared/protocol';
import { startInProcessServer, type InProcessServer } from '../support/in-process';

let server: InProcessServer;
afterEach(() => server?.dispose());

describe('server lifecycle and protocol (in-process)', () => {
  it('advertises every custom method in experimental.nootropic', async () => {
    server = startInProcessServer();
    const result = await server.initialize(null);
    const nootropic = result.capabilities.experimental as { nootropic: { version: string; protocolVersion: string; methods: string[]; notifications: string[] } };
    expect(nootropic.nootropic.protocolVersion).toBe(PROTOCOL_VERSION);
    expect(nootropic.nootropic.methods).toEqual(clientToServerRequests.map((d) => d.method).sort());
    expect(nootropic.nootropic.notifications).toContain('nootropic/server/status');
    expect(result.serverInfo?.name).toBe('nootropic-lsp');
    expect(result.capabilities.textDocumentSync).toMatchObject({ openClose: true, change: 2 });
  });

  it('answers an unknown method with MethodNotFound and keeps serving', async () => {
    server = startInProcessServer();
    await server.initialize(null);
    await expect(server.client.sendRequest('nootropic/nope', {})).rejects.toMatchObject({ code: ErrorCodes.MethodNotFound });
    const report = await server.client.sendRequest(Doctor.method, { timeoutMs: 200 });
    expect(Doctor.result.safeParse(report).success).toBe(true);
  });

  it('answers malformed params with InvalidParams naming the field, and keeps serving', async () => {
    server = startInProcessServer();
    await server.initialize(null);
    await expect(server.client.sendRequest(Doctor.method, { timeoutMs: 'soon' })).rejects.toMatchObject({
      code: ErrorCodes.InvalidParams,
      message: expect.stringContaining('params.timeoutMs'),
    });
    await expect(server.client.sendRequest(Doctor.method, { bogus: 1 })).rejects.toMatchObject({
      code: ErrorCodes.InvalidParams,
      message: expect.stringContaining('bogus'),
    });
    await expect(server.client.sendRequest(Doctor.method, [1, 2, 3])).rejects.toMatchObject({ code: ErrorCodes.InvalidParams });
    const report = Doctor.result.parse(await server.client.sendRequest(Doctor.method, { timeoutMs: 200 }));
    expect(report.server.state).toBe('running');
  });

  it('exits 0 after shutdown, and 1 on exit without shutdown', async () => {
    server = startInProcessServer();
    await server.initialize(null);
    await server.client.sendRequest('shutdown');
    await server.client.sendNotification('exit');
    await expect.poll(() => server.exitCodes).toEqual([0]);
    server.dispose();

    server = startInProcessServer();
    await server.initialize(null);
    await server.client.sendNotification('exit');
    await expect.poll(() => server.exitCodes).toEqual([1]);
  });

  it('sends nootropic/server/status once initialized', async () => {
    server = startInProcessServer();
    await server.initialize(null);
    await expect.poll(() => server.notifications('nootropic/server/status').length).toBeGreaterThan(0);
    const status = server.notifications('nootropic/server/status')[0] as { state: string };
    expect(['ready', 'degraded']).toContain(status.state);
  });
});
