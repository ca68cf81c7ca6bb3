/**
 * Editor settings arrive in `initializationOptions.settings` and in `workspace/didChangeConfiguration`
 * (`{ settings: { nootropic: {...} } }`, only the values the user set). Config problems surface in status.
 */
import { z } from 'zod';
import type { ServerContext } from '../context';

const DidChangeConfiguration = z.object({
  settings: z
    .object({
      nootropic: z.record(z.string(), z.unknown()).optional(),
      /** The workspace-level and user-level parts of `nootropic` (VS Code sends both; see ConfigStore). */
      nootropicWorkspace: z.record(z.string(), z.unknown()).optional(),
      nootropicUser: z.record(z.string(), z.unknown()).optional(),
      /** Languages the editor turned syntax diagnostics off for (see InitializationOptions.syntaxOffLanguages). */
      nootropicSyntaxOffLanguages: z.array(z.string().min(1)).optional(),
    })
    .passthrough()
    .nullish(),
});

export function register(ctx: Pick<ServerContext, 'connection' | 'config' | 'log' | 'status'>): void {
  const apply = () => {
    ctx.log.setLevel(ctx.config.config.server.logLevel);
    ctx.status.set('config', ctx.config.problems.map((p) => `config: ${p}`));
  };
  ctx.config.onChange(apply);
  ctx.connection.onDidChangeConfiguration((raw) => {
    const parsed = DidChangeConfiguration.safeParse(raw);
    if (!parsed.success) {
      ctx.log.warn('ignored malformed workspace/didChangeConfiguration', { error: parsed.error.message });
      return;
    }
    const section = parsed.data.settings?.nootropic;
    const split = parsed.data.settings?.nootropicWorkspace || parsed.data.settings?.nootropicUser ? { workspace: parsed.data.settings.nootropicWorkspace ?? {}, user: parsed.data.settings.nootropicUser ?? {} } : undefined;
    const syntaxOff = parsed.data.settings?.nootropicSyntaxOffLanguages;
    if (syntaxOff) ctx.config.setEditorSyntaxOff(syntaxOff);
    if (section !== undefined) ctx.config.setEditorSettings(section, split);
    else ctx.config.reload();
    // Problems can change without the resolved config changing (a new typo in a lower layer).
    apply();
  });
}
