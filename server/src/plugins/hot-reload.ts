/**
 * Hot reload: watches <root>/.nootropic/plugins/ and reloads the plugin whose folder changed (debounced, so
 * an editor's save-rename-delete burst is one reload). When the folder does not exist yet, the nearest
 * existing ancestor inside the workspace is watched until it appears.
 */
import { existsSync, watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../log';

export class PluginFolderWatcher {
  private watcher: FSWatcher | null = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly changed = new Set<string>();
  private closed = false;

  constructor(
    private readonly root: string,
    private readonly pluginsDir: string,
    private readonly onChange: (pluginDirs: string[]) => void,
    private readonly log: Logger,
    private readonly debounceMs = 200,
  ) {
    this.arm();
  }

  close(): void {
    this.closed = true;
    this.watcher?.close();
    this.watcher = null;
    if (this.timer) clearTimeout(this.timer);
  }

  private arm(): void {
    if (this.closed) return;
    this.watcher?.close();
    if (existsSync(this.pluginsDir)) {
      this.watcher = this.open(this.pluginsDir, true, (file) => {
        const first = file?.split(/[\\/]/)[0];
        this.changed.add(first ? path.join(this.pluginsDir, first) : '*');
        this.schedule();
      });
      return;
    }
    // Wait for .nootropic/plugins to appear: watch the closest ancestor that exists, re-arm on any event.
    let dir = path.dirname(this.pluginsDir);
    while (!existsSync(dir) && dir.startsWith(this.root) && dir !== this.root) dir = path.dirname(dir);
    if (!existsSync(dir)) return;
    this.watcher = this.open(dir, false, () => {
      if (existsSync(this.pluginsDir)) {
        this.changed.add('*');
        this.schedule();
      }
      this.arm();
    });
  }

  private open(dir: string, recursive: boolean, listener: (file: string | null) => void): FSWatcher | null {
    try {
      const w = watch(dir, { recursive, persistent: false }, (_event, file) => listener(file ? String(file) : null));
      w.on('error', (err) => {
        this.log.warn('plugin folder watcher failed; hot reload is off until the next reload', { dir, error: err.message });
        this.watcher?.close();
        this.watcher = null;
      });
      return w;
    } catch (err) {
      this.log.warn('cannot watch plugin folder; hot reload is off', { dir, error: (err as Error).message });
      return null;
    }
  }

  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      const dirs = [...this.changed];
      this.changed.clear();
      // The watched folder itself may have been deleted and recreated.
      if (!existsSync(this.pluginsDir) || dirs.includes('*')) this.arm();
      this.onChange(dirs);
    }, this.debounceMs);
    this.timer.unref();
  }
}
