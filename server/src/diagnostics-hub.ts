/**
 * One diagnostics list per file is all LSP has (`textDocument/publishDiagnostics` replaces the file's list), but
 * several producers publish into it: the syntax checker on every keystroke, the agents' critic after a run step.
 * Each producer owns its share; a publish sends the union, so one producer never wipes another's findings.
 */
import type { Connection, Diagnostic } from 'vscode-languageserver';
import type { Logger } from './log';

export type DiagnosticsOwner = 'syntax' | 'critic';

export class DiagnosticsHub {
  private readonly byUri = new Map<string, Map<DiagnosticsOwner, Diagnostic[]>>();

  constructor(
    private readonly connection: Pick<Connection, 'sendDiagnostics'>,
    private readonly log: Logger,
  ) {}

  /** Replace `owner`'s diagnostics for `uri` and publish the file's union. */
  async set(uri: string, owner: DiagnosticsOwner, diagnostics: Diagnostic[], version?: number): Promise<void> {
    let owners = this.byUri.get(uri);
    if (!owners) this.byUri.set(uri, (owners = new Map()));
    if (diagnostics.length) owners.set(owner, diagnostics);
    else owners.delete(owner);
    const all = [...owners.values()].flat();
    if (!owners.size) this.byUri.delete(uri);
    try {
      await this.connection.sendDiagnostics({ uri, diagnostics: all, ...(version !== undefined ? { version } : {}) });
    } catch (err) {
      // A client that went away mid-check is not an error worth more than a debug line.
      this.log.debug('diagnostics not delivered', { uri, error: String(err) });
    }
  }

  /** URIs where `owner` currently has diagnostics. */
  urisOf(owner: DiagnosticsOwner): string[] {
    return [...this.byUri].filter(([, owners]) => owners.has(owner)).map(([uri]) => uri);
  }

  get(uri: string, owner: DiagnosticsOwner): readonly Diagnostic[] {
    return this.byUri.get(uri)?.get(owner) ?? [];
  }
}
