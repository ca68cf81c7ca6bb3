/** Git-style unified diff of a change set (a/ b/ prefixes, /dev/null for created and deleted files). */
import { createTwoFilesPatch } from 'diff';

export function unifiedDiff(changes: { path: string; before: string | null; after: string | null }[]): string {
  return changes
    .map((c) => {
      const body = createTwoFilesPatch(c.before === null ? '/dev/null' : `a/${c.path}`, c.after === null ? '/dev/null' : `b/${c.path}`, c.before ?? '', c.after ?? '', '', '', { context: 3 });
      // diff's own "Index/====" line is replaced by git's header.
      return `diff --git a/${c.path} b/${c.path}\n${body.replace(/^=+\n/, '').replace(/^(---|\+\+\+) (\S+)\t?$/gm, '$1 $2')}`;
    })
    .join('');
}
