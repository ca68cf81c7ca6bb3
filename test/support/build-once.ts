// Tiers that spawn the bundled server need dist/: build it once per run (esbuild takes well under a second).
import { execFileSync } from 'node:child_process';
import path from 'node:path';

export default function setup(): void {
  if (process.env.NOOTROPIC_TEST_SKIP_BUILD === '1') return;
  const root = path.resolve(__dirname, '..', '..');
  execFileSync(process.execPath, [path.join(root, 'esbuild.config.mjs')], { cwd: root, stdio: 'inherit' });
}
