/** A progress bar on stderr for long work, only when stderr is a terminal (never in pipes, CI or --json). */

export class ProgressBar {
  private readonly enabled: boolean;
  private last = '';

  constructor(private readonly label: string, enabled = Boolean(process.stderr.isTTY)) {
    this.enabled = enabled;
  }

  update(done: number, total: number | undefined): void {
    if (!this.enabled) return;
    const width = 30;
    const frac = total ? Math.min(1, done / total) : 0;
    const bar = total ? `[${'#'.repeat(Math.round(frac * width)).padEnd(width, '.')}] ${done}/${total}` : `${done}`;
    const line = `${this.label} ${bar}`;
    if (line === this.last) return;
    this.last = line;
    process.stderr.write(`\r${line}`);
  }

  done(): void {
    if (this.enabled && this.last) process.stderr.write('\r' + ' '.repeat(this.last.length) + '\r');
  }
}
