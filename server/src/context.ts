/**
 * What every handler may use. Built once per connection by createServer; handlers take only the parts they
 * need (`Pick<ServerContext, ...>`), which keeps each domain honest about its dependencies.
 */
import type { Connection, TextDocuments } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { ConfigStore } from './config/store';
import type { Logger } from './log';
import type { IndexService } from './rag/index-service';
import type { RpcRegistry } from './rpc/registry';
import type { StatusReporter } from './status';
import type { Telemetry } from './telemetry/telemetry';

export interface ServerInfo {
  version: string;
  transport: string;
  startedAt: number;
}

export interface ServerContext {
  connection: Connection;
  rpc: RpcRegistry;
  log: Logger;
  config: ConfigStore;
  documents: TextDocuments<TextDocument>;
  status: StatusReporter;
  telemetry: Telemetry;
  index: IndexService;
  info: ServerInfo;
}
