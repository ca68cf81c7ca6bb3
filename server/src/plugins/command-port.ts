/**
 * Plugin commands for other domains (chat's `/command` routing): the plugins domain attaches the runner once
 * its manager exists; until then (or with plugins off) no command is known.
 */
import type { PluginsRunResult } from '../../../shared/protocol';

export interface PluginCommandRunner {
  /** Whether `name` (a command, or `plugin/command`) belongs to an active plugin, once loading has settled. */
  has(name: string): Promise<boolean>;
  run(name: string, args: string[]): Promise<PluginsRunResult>;
}

export class PluginCommands {
  private runner: PluginCommandRunner | undefined;

  attach(runner: PluginCommandRunner): void {
    this.runner = runner;
  }

  has(name: string): Promise<boolean> {
    return this.runner ? this.runner.has(name) : Promise.resolve(false);
  }

  run(name: string, args: string[]): Promise<PluginsRunResult> {
    if (!this.runner) return Promise.reject(new Error('plugins are not loaded'));
    return this.runner.run(name, args);
  }
}
