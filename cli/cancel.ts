/** Ctrl-C during a request cancels it (down to the model's HTTP stream) instead of killing the CLI mid-write. */
import { CancellationTokenSource, type CancellationToken } from 'vscode-jsonrpc/node';

export function cancelOnSigint(): { token: CancellationToken; dispose(): void } {
  const source = new CancellationTokenSource();
  const onSigint = () => {
    process.stderr.write('\nnootropic: cancelling…\n');
    source.cancel();
  };
  process.once('SIGINT', onSigint);
  return {
    token: source.token,
    dispose: () => {
      process.off('SIGINT', onSigint);
      source.dispose();
    },
  };
}
