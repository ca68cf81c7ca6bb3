/**
 * The native chat participant `@nootropic`, for hosts that offer `vscode.chat` (VS Code with its chat UI; not
 * code-server with chat.disableAIFeatures, where it simply never shows). Same engine and server methods as
 * the chat view: `@nootropic /search …` streams the same answer, hits become anchors, proposals a Review button.
 */
import * as vscode from 'vscode';
import type { Turn } from '../../shared/webview/chat';
import { runTurn, type EngineDeps } from './engine';

export function registerParticipant(context: vscode.ExtensionContext, deps: EngineDeps): vscode.Disposable[] {
  const chatApi = (vscode as { chat?: typeof vscode.chat }).chat;
  if (typeof chatApi?.createChatParticipant !== 'function') {
    deps.output.info('[chat] this host has no vscode.chat API: the @nootropic participant is not registered (the chat view works)');
    return [];
  }
  const participant = chatApi.createChatParticipant('nootropic.chat', async (request, chatContext, stream, token) => {
    const text = `${request.command ? `/${request.command} ` : ''}${request.prompt}`.trim();
    const history = chatContext.history.flatMap((h): { role: 'user' | 'assistant'; content: string }[] => {
      if (h instanceof vscode.ChatRequestTurn) return h.command ? [] : [{ role: 'user', content: h.prompt }];
      const md = h.response.map((p) => (p instanceof vscode.ChatResponseMarkdownPart ? p.value.value : '')).join('');
      return md ? [{ role: 'assistant', content: md }] : [];
    });
    const turn: Turn = { id: `p${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`, user: text, answer: '', status: 'streaming' };
    let streamed = '';
    await runTurn(deps, turn, history, {
      delta: (t) => {
        streamed += t;
        stream.markdown(t);
      },
      patch: (p) => {
        if (p.answer !== undefined && p.answer !== streamed) {
          // Non-streamed answers (search, plan, plugins) arrive whole.
          stream.markdown(p.answer.startsWith(streamed) ? p.answer.slice(streamed.length) : `\n\n${p.answer}`);
          streamed = p.answer;
        }
        const folder = vscode.workspace.workspaceFolders?.[0];
        if (p.hits && folder) {
          for (const h of p.hits) {
            stream.markdown('\n- ');
            stream.anchor(new vscode.Location(vscode.Uri.joinPath(folder.uri, h.path), new vscode.Range(h.startLine - 1, 0, h.endLine - 1, 0)), `${h.path}:${h.startLine}`);
            if (h.symbol) stream.markdown(` \`${h.symbol}\``);
          }
        }
        if (p.proposal) {
          stream.markdown(`\n\nProposed change to ${p.proposal.files.map((f) => `\`${f.path}\``).join(', ')} — opened for review.`);
          stream.button({ command: 'nootropic.review.open', title: 'Review', arguments: [p.proposal.id] });
          stream.button({ command: 'nootropic.review.acceptAll', title: 'Accept all', arguments: [p.proposal.id] });
        }
        if (p.links) for (const l of p.links) stream.button({ command: l.command, title: l.label, arguments: l.args ?? [] });
        if (p.context?.length) stream.markdown(`\n\n<details><summary>Context</summary>\n\n${p.context.map((c) => `- ${c.label}${c.detail ? `: ${c.detail}` : ''}`).join('\n')}\n\n</details>`);
        Object.assign(turn, p);
      },
    }, token);
    if (turn.status === 'error') return { errorDetails: { message: turn.error ?? 'failed' } };
    return {};
  });
  participant.iconPath = vscode.Uri.joinPath(context.extensionUri, 'media', 'nootropic.svg');
  return [participant];
}
