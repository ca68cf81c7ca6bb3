/**
 * One protocol: the extension calls only the methods declared in shared/protocol, through their schemas.
 * Two guards: the types (ServerApi takes only members of the shared lists; the `@ts-expect-error` lines below
 * fail `tsc` the day an undeclared method compiles), and a scan of extension/ for method names written as
 * strings and for messages sent around ServerApi.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { ServerApi } from '../../extension/server-api';
import * as protocol from '../../shared/protocol';
import { allDefinitions, clientToServerRequests, request, serverToClientNotifications, serverToClientRequests } from '../../shared/protocol';
import { filesUnder, REPO_ROOT as root } from '../support/paths';

// Type-level: a method that is not in shared/protocol's lists cannot be called, heard or answered.
const Stray = request('nootropic/not/declared', 'client→server', z.object({}).strict(), z.object({ ok: z.boolean() }));
const StrayOut = protocol.notification('nootropic/not/declared', 'server→client', z.object({}));
export function typeChecks(api: ServerApi): void {
  // @ts-expect-error an undeclared request does not compile
  void api.call(Stray, {});
  // @ts-expect-error nor does a string
  void api.call('nootropic/agent/run', {});
  // @ts-expect-error an undeclared notification cannot be listened to
  api.onNotification(StrayOut, () => undefined);
  // @ts-expect-error a client→server request is not something the client answers
  api.onRequest(protocol.AgentRun, async () => ({ status: 'succeeded', iterations: 0, runId: 'r', edits: [] }));
  // @ts-expect-error params are typed by the declaration
  void api.call(protocol.RunsGet, { run: 'x' });
  // Declared ones do.
  void api.call(protocol.RunsGet, { runId: 'x' });
  api.onRequest(protocol.AgentApprove, async (p) => ({ approved: p.command === 'npm test' }));
}

const METHOD_LIKE = /^(nootropic|\$|workspace|textDocument|window|client)\//;
const WRAPPED = new Set(['call', 'offers', 'require', 'onNotification', 'onRequest']);
const CLIENT_ONLY = new Set(['sendRequest', 'sendNotification']);

interface Offence {
  where: string;
  what: string;
}

/** What in one source breaks the rule. */
function offences(file: string, text: string): Offence[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const out: Offence[] = [];
  const where = (n: ts.Node) => `${file}:${sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1}`;
  const declared = new Set(allDefinitions);
  const visit = (n: ts.Node): void => {
    if ((ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n) || ts.isTemplateHead(n)) && METHOD_LIKE.test(n.text)) {
      out.push({ where: where(n), what: `method name written as a string: '${n.text}' (use its definition from shared/protocol)` });
    }
    if (ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression)) {
      const name = n.expression.name.text;
      if (CLIENT_ONLY.has(name) && !file.endsWith(path.join('extension', 'server-api.ts'))) {
        out.push({ where: where(n), what: `${name} outside extension/server-api.ts (call through ServerApi)` });
      }
      const first = n.arguments[0];
      if (WRAPPED.has(name) && first && ts.isIdentifier(first) && /^[A-Z]/.test(first.text)) {
        const def = (protocol as Record<string, unknown>)[first.text];
        if (!declared.has(def as (typeof allDefinitions)[number])) out.push({ where: where(n), what: `${name}(${first.text}): not a method declared in shared/protocol's lists` });
      }
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

describe('one protocol: the extension uses only shared/protocol definitions', () => {
  it('extension/ writes no method name as a string and sends nothing around ServerApi', () => {
    const found = filesUnder(path.join(root, 'extension')).filter((f) => f.endsWith('.ts')).flatMap((f) => offences(path.relative(root, f), readFileSync(f, 'utf8')));
    expect(found).toEqual([]);
  });

  it('the scan catches a bare method string, a raw client call and an undeclared definition', () => {
    const bad = [
      "api.callContract('nootropic/edit/apply', {}, schema);",
      'lc.sendRequest(AgentRun.method, {});',
      'api.call(EditPreviewResult, {});',
      'const m = `nootropic/runs/${x}`;',
    ].join('\n');
    const whats = offences('extension/x.ts', bad).map((o) => o.what);
    expect(whats).toHaveLength(4);
    expect(whats[0]).toMatch(/'nootropic\/edit\/apply'/);
    expect(whats[1]).toMatch(/sendRequest outside/);
    expect(whats[2]).toMatch(/EditPreviewResult/);
    expect(whats[3]).toMatch(/nootropic\/runs\//);
    // Comments and declared definitions pass.
    expect(offences('extension/y.ts', "// calls 'nootropic/edit/apply'\nvoid api.call(EditApply, { text: '' });\napi.onRequest(AgentApprove, h);")).toEqual([]);
  });

  it('every definition is listed once, in the list of its direction', () => {
    const methods = allDefinitions.map((d) => d.method);
    expect(new Set(methods).size).toBe(methods.length);
    for (const d of clientToServerRequests) expect([d.method, d.kind, d.direction]).toEqual([d.method, 'request', 'client→server']);
    for (const d of serverToClientRequests) expect([d.method, d.kind, d.direction]).toEqual([d.method, 'request', 'server→client']);
    for (const d of serverToClientNotifications) expect([d.method, d.kind, d.direction]).toEqual([d.method, 'notification', 'server→client']);
    // Every declaration exported from shared/protocol is in a list (none is declared and forgotten).
    const values: unknown[] = Object.values(protocol);
    const exported = values.filter((v): v is { method: string } => !!v && typeof v === 'object' && 'kind' in v && 'method' in v && 'direction' in v);
    expect(exported.map((d) => d.method).sort()).toEqual([...methods].sort());
  });
});
