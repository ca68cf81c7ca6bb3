/**
 * Plugin commands for other domains (chat's `/command` routing): createServer attaches the plugins service
 * (plugins/service.ts); with plugins off no command is known.
 */
import type { PluginsRunResult } from '../../../shared/protocol';

export interface PluginCommandRunner {
  /** Whether `name` (a command, or `plugin/command`) belongs to an active plugin, once loading has settled. */
  has(name: string): Promise<boolean>;
  run(name: string, args: string[]): Promise<PluginsRunResult>;
  /** Active plugins' commands, once loading has settled (chat's command list). */
  list(): Promise<PluginCommandInfo[]>;
}

export interface PluginCommandInfo {
  name: string;
  plugin: string;
  description?: string;
  /** One-line usage of the arguments. */
  usage?: string;
}

export class PluginCommands {
  private runner: PluginCommandRunner | undefined;

  attach(runner: PluginCommandRunner): void {
    this.runner = runner;
  }

  has(name: string): Promise<boolean> {
    return this.runner ? this.runner.has(name) : Promise.resolve(false);
  }

  list(): Promise<PluginCommandInfo[]> {
    return this.runner ? this.runner.list() : Promise.resolve([]);
  }

  run(name: string, args: string[]): Promise<PluginsRunResult> {
    if (!this.runner) return Promise.reject(new Error('plugins are not loaded'));
    return this.runner.run(name, args);
  }
}
