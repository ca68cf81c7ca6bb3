/**
 * The second status bar item: the index and the chat model at a glance ("$(database) 12 files · $(hubot)
 * qwen2.5-coder:7b"), live from `nootropic/index/status`, the model from the doctor report. Clicking it
 * builds the index when there is none, else opens the status report.
 */
import * as vscode from 'vscode';
import type { DoctorReport, IndexState } from '../shared/protocol';

export class ActivityStatus implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('nootropic.activity', vscode.StatusBarAlignment.Left, 9);
  private index: IndexState | undefined;
  private model: DoctorReport['models'][number] | undefined;
  private modelError: string | undefined;
  private retry: NodeJS.Timeout | undefined;

  constructor() {
    this.item.name = 'nootropic index and model';
    this.render();
  }

  setIndex(state: IndexState): void {
    this.index = state;
    this.render();
  }

  setDoctor(report: DoctorReport): void {
    this.index = report.index;
    this.model = report.models.find((m) => m.role === 'chat') ?? report.models[0];
    this.modelError = undefined;
    this.render();
  }

  /**
   * Probes the model through the doctor now and, while the chat model is unreachable, again with backoff
   * (10 s, 20 s … 5 min): a model server started after the editor, or a probe that timed out on a busy machine,
   * does not leave the badge saying "unreachable" for the rest of the session.
   */
  watchModel(probe: () => Promise<DoctorReport>, onError: (err: unknown) => void, attempt = 0): void {
    clearTimeout(this.retry);
    probe().then(
      (r) => {
        this.setDoctor(r);
        if (this.model && !this.model.reachable && attempt < 8) {
          this.retry = setTimeout(() => this.watchModel(probe, onError, attempt + 1), Math.min(10_000 * 2 ** attempt, 300_000));
        }
      },
      onError,
    );
  }

  setUnavailable(): void {
    clearTimeout(this.retry);
    this.index = undefined;
    this.model = undefined;
    this.item.hide();
  }

  get text(): string {
    return this.item.text;
  }

  private render(): void {
    const i = this.index;
    if (!i && !this.model) return void this.item.hide();
    const parts: string[] = [];
    const tips: string[] = [];
    if (i) {
      if (i.state === 'indexing' || i.state === 'loading') {
        parts.push(`$(sync~spin) indexing${i.total ? ` ${i.processed ?? 0}/${i.total}` : ''}`);
        tips.push('Index: building…');
      } else if (i.state === 'ready') {
        parts.push(`$(database) ${i.files} files`);
        tips.push(`Index: ${i.files} files, ${i.chunks} chunks, ${i.mode} search (embedder: ${i.embedder})`);
      } else if (i.state === 'error') {
        parts.push('$(database) index error');
        tips.push(`Index failed: ${i.message ?? 'unknown error'}. Click to rebuild.`);
      } else if (i.state === 'no-workspace') tips.push('Index: no workspace folder open.');
      else {
        parts.push('$(database) no index');
        tips.push('Index: not built yet. Click to build it.');
      }
    }
    const m = this.model;
    if (m) {
      parts.push(`${m.reachable ? '$(hubot)' : '$(circle-slash)'} ${m.model}`);
      tips.push(m.reachable ? `Model: ${m.model} (${m.provider} at ${m.baseUrl}) reachable` : `Model: ${m.model} at ${m.baseUrl} is unreachable${m.error ? `: ${m.error}` : ''}. Run "nootropic: Check Model Endpoint".`);
    } else if (this.modelError) tips.push(this.modelError);
    this.item.text = parts.join('  ');
    this.item.tooltip = tips.join('\n');
    this.item.command = i && (i.state === 'idle' || i.state === 'error') ? 'nootropic.buildIndex' : m && !m.reachable ? 'nootropic.checkModel' : 'nootropic.showStatus';
    this.item.show();
  }

  dispose(): void {
    clearTimeout(this.retry);
    this.item.dispose();
  }
}
