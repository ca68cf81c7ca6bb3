/**
 * `nootropic-lsp` entry point: pick the transport, trap what could kill the process silently, start serving.
 */
import { createLogger } from './log';
import { createServer } from './server';
import { createLspConnection, openTransport, parseTransport } from './transport';
import { SERVER_VERSION } from './version';

const USAGE = `nootropic-lsp ${SERVER_VERSION}: the nootropic language server
usage: nootropic-lsp --stdio | --node-ipc | --socket=PORT
  --stdio         speak LSP on stdin/stdout (Neovim, Helix, the nootropic CLI)
  --node-ipc      speak LSP over Node IPC (VS Code)
  --socket=PORT   connect to a client listening on 127.0.0.1:PORT
  --version       print the version`;

function main(argv: string[]): void {
  if (argv.includes('--version')) {
    process.stderr.write(`${SERVER_VERSION}\n`);
    process.exit(0);
  }
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stderr.write(`${USAGE}\n`);
    process.exit(0);
  }
  const choice = parseTransport(argv);
  if ('error' in choice) {
    process.stderr.write(`nootropic-lsp: ${choice.error}\n\n${USAGE}\n`);
    process.exit(2);
  }
  const log = createLogger();
  let exiting = false;
  const exit = (code: number) => {
    if (exiting) return;
    exiting = true;
    log.info('exit', { code });
    // Let the last protocol bytes and log lines drain before leaving.
    setImmediate(() => process.exit(code));
  };
  // A stream that cannot be framed never finds the next message: say so and exit non-zero, so the client
  // (vscode-languageclient, Neovim, the CLI) sees the server die and restarts it, instead of waiting forever.
  const broken = (reason: string) => {
    log.error('protocol stream broken; exiting so the client can restart the server', { reason });
    exit(1);
  };
  const { reader, writer } = openTransport(choice, { onBroken: broken });
  const connection = createLspConnection(reader, writer, exit, (parentPid) => {
    // Editors that die without `exit` must not leave an orphan server behind.
    const timer = setInterval(() => {
      try {
        process.kill(parentPid, 0);
      } catch {
        log.warn('client process is gone; exiting', { parentPid });
        exit(1);
      }
    }, 3_000);
    timer.unref();
  }, broken);
  reader.onClose(() => {
    if (!exiting) {
      log.warn('client closed the connection without exit');
      exit(1);
    }
  });

  // Never a silent death: report, keep serving. vscode-eslint does the same for plugin errors.
  process.on('uncaughtException', (err) => {
    log.error('uncaught exception (the server keeps running)', { error: err });
    void connection.console.error(`nootropic: uncaught exception: ${err.message}`);
  });
  process.on('unhandledRejection', (reason) => {
    log.error('unhandled rejection (the server keeps running)', { error: reason instanceof Error ? reason : String(reason) });
  });
  process.on('exit', (code) => {
    if (!exiting) log.error('process exiting unexpectedly', { code });
  });

  createServer(connection, { transport: choice.kind, log });
  connection.listen();
  log.info('listening', { transport: choice.kind, pid: process.pid, version: SERVER_VERSION });
}

main(process.argv.slice(2));
