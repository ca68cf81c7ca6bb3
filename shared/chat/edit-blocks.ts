/**
 * Rendering help for chat answers, shared by the webview and the `@nootropic` participant (the server owns what a
 * chat command is and what counts as an edit: server/src/chat/).
 */

/**
 * Markdown for an answer that contains bare SEARCH/REPLACE blocks: each block (with its path line) goes in a
 * code fence, so `=======` is not read as a heading nor `>>>>>>>` as quotes, and the block gets the code
 * toolbar (Apply sends it through the review).
 */
export function fenceEditBlocks(md: string): string {
  const lines = md.split('\n');
  const out: string[] = [];
  let fenced = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    if (!fenced && /^<{5,9} SEARCH\s*$/.test(line)) {
      let end = i + 1;
      while (end < lines.length && !/^>{5,9} REPLACE\s*$/.test(lines[end]!)) end++;
      if (end < lines.length) {
        const prev = out[out.length - 1];
        const pathLine = prev !== undefined && /^`?[\w./\\-]+`?$/.test(prev.trim()) ? out.pop()!.trim().replace(/`/g, '') : undefined;
        out.push('```diff', ...(pathLine ? [pathLine] : []), ...lines.slice(i, end + 1), '```');
        i = end;
        continue;
      }
    }
    out.push(line);
  }
  return out.join('\n');
}
