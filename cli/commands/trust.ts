/**
 * `nootropic trust [--yes] [--json]`: what this workspace's own files (`.nootropic/config.yaml`,
 * `.vscode/settings.json`) would widen — cloud models, remote endpoints, trace export, agent commands, plugins,
 * MCP servers — and, with `--yes`, the user's approval of exactly those values (remembered outside the
 * workspace; a later change to them needs a new approval). Without `--yes` nothing is approved.
 */
import { TrustApprove, TrustGet, type TrustInfo } from '../../shared/protocol';
import { printJson } from '../render';
import type { ServerClient } from '../server-client';

function render(t: TrustInfo, approvedNow: boolean): string {
  const lines: string[] = [];
  if (!t.settings.length) return `nothing to approve: ${t.root ?? 'this workspace'}'s files set no setting that sends data off the machine or runs code\n`;
  lines.push(`workspace ${t.root}: its files set ${t.settings.length} setting(s) that widen what nootropic may do:`);
  for (const s of t.settings) lines.push(`  ${s.key} = ${JSON.stringify(s.value)}  (${s.why}; from ${s.source})`);
  if (approvedNow) lines.push('approved: these exact values apply in this workspace from now on (a change to them needs a new approval)');
  else if (t.approved) lines.push('approved earlier: these values apply');
  else if (!t.trusted) lines.push('ignored: restricted mode (the workspace is not trusted), so they cannot be approved');
  else lines.push(`ignored (${t.ignoredBecause ?? 'not approved'}): run \`nootropic trust --yes\` to approve exactly these values`);
  return lines.join('\n') + '\n';
}

export async function trust(client: ServerClient, opts: { json: boolean; yes: boolean }): Promise<number> {
  let info = await client.request(TrustGet, {});
  let approvedNow = false;
  if (opts.yes && info.settings.length && !info.approved) {
    if (!info.trusted) {
      process.stderr.write(render(info, false));
      return 1;
    }
    info = await client.request(TrustApprove, { hash: info.hash });
    approvedNow = true;
  }
  if (opts.json) printJson({ ...info, approvedNow });
  else process.stdout.write(render(info, approvedNow));
  return 0;
}
