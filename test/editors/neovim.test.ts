/**
 * A real editor nobody here wrote: headless Neovim 0.7 (Debian bookworm) attaches `nootropic-lsp --stdio` with
 * its built-in LSP client and must receive the syntax diagnostic. Needs `nvim` (bash .ci/install-tools.sh).
 */
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startModelStandin } from '../support/model-standin';
import { REPO_ROOT, cleanEnv, tempWorkspace } from '../support/paths';

function nvimAvailable(): boolean {
  try {
    execFileSync('nvim', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Headless Neovim running a Lua script on `file`; resolves with everything it wrote. */
function runNvim(script: string, file: string, env: NodeJS.ProcessEnv, cwd: string, timeoutMs: number): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const nvim = spawn('nvim', ['--headless', '--clean', '-n', '-c', `luafile ${script}`, file], { env, cwd });
    let out = '';
    nvim.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    nvim.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
    const timer = setTimeout(() => {
      nvim.kill('SIGKILL');
      reject(new Error(`nvim did not finish:\n${out}`));
    }, timeoutMs);
    nvim.once('exit', () => {
      clearTimeout(timer);
      resolve(out);
    });
  });
}

/** Neovim's own state in the workspace; with a model, the server's endpoint from the environment (no user config). */
function nvimEnv(root: string, model?: { provider: string; baseUrl: string }): NodeJS.ProcessEnv {
  return cleanEnv({
    XDG_CACHE_HOME: path.join(root, '.cache'),
    XDG_STATE_HOME: path.join(root, '.state'),
    XDG_CONFIG_HOME: path.join(root, '.config'),
    ...(model ? { NOOTROPIC_USER_CONFIG: '/nonexistent/nootropic.yaml', NOOTROPIC_PROVIDER: model.provider, NOOTROPIC_BASE_URL: model.baseUrl, NOOTROPIC_MODEL: 'qwen2.5-coder:7b' } : {}),
  });
}

// Missing Neovim fails the tier (CI installs it); skipping must be an explicit choice that shows as skipped.
const skip = process.env.NOOTROPIC_SKIP_NEOVIM === '1';

const LUA = `
local out = io.stdout
local file = vim.fn.argv(0)
vim.cmd('edit ' .. file)
local buf = vim.api.nvim_get_current_buf()
local id = vim.lsp.start_client({
  name = 'nootropic',
  cmd = { '${process.execPath}', '${path.join(REPO_ROOT, 'bin', 'nootropic-lsp.js')}', '--stdio' },
  root_dir = vim.fn.fnamemodify(file, ':p:h'),
})
if not id then out:write('RESULT no-client\\n'); vim.cmd('qa!') end
vim.lsp.buf_attach_client(buf, id)
local ok = vim.wait(15000, function() return #vim.diagnostic.get(buf) > 0 end, 50)
local client = vim.lsp.get_client_by_id(id)
local caps = client and client.server_capabilities or {}
local methods = caps.experimental and caps.experimental.nootropic and caps.experimental.nootropic.methods or {}
out:write('METHODS ' .. table.concat(methods, ',') .. '\\n')
for _, d in ipairs(vim.diagnostic.get(buf)) do
  out:write(string.format('DIAG %d:%d %s | %s\\n', d.lnum, d.col, d.source or '', d.message))
end
out:write('RESULT ' .. (ok and 'ok' or 'timeout') .. '\\n')
vim.lsp.stop_client(id)
vim.wait(2000, function() return vim.lsp.get_client_by_id(id) == nil end, 50)
vim.cmd('qa!')
`;

describe.skipIf(skip)('Neovim (headless, built-in LSP client) attached to nootropic-lsp --stdio', () => {
  it('receives the syntax diagnostic at the broken line', async () => {
    expect(nvimAvailable(), 'nvim not found: run `bash .ci/install-tools.sh` (or set NOOTROPIC_SKIP_NEOVIM=1 to skip this test)').toBe(true);
    const ws = tempWorkspace();
    try {
      const file = ws.write('main.py', 'import os\n\ndef broken(:\n    return os.getcwd()\n');
      const script = ws.write('t.lua', LUA);
      const env = nvimEnv(ws.root);
      const output = await runNvim(script, file, env, ws.root, 40_000);
      expect(output, output).toMatch(/RESULT ok/);
      expect(output).toMatch(/DIAG 2:\d+ nootropic \| Syntax error/);
      expect(output).toMatch(/METHODS .*nootropic\/doctor/);
    } finally {
      ws.dispose();
    }
  });

  it('completes code with <C-x><C-o> (omnifunc over textDocument/completion) from the stand-in FIM model', async () => {
    expect(nvimAvailable(), 'nvim not found: run `bash .ci/install-tools.sh` (or set NOOTROPIC_SKIP_NEOVIM=1 to skip this test)').toBe(true);
    const standin = await startModelStandin({ fimReplies: [{ text: ' + b;' }] });
    const ws = tempWorkspace();
    try {
      const file = ws.write('add.ts', 'export function add(a: number, b: number): number {\n  return a\n}\n');
      // What a Neovim 0.7–0.11 user does: omnifunc set to the LSP's, then <C-x><C-o> after `return a` and <C-y>
      // to take the item. The keys go through Neovim's own typeahead, so its omnifunc builds the request, filters
      // the items by the word before the cursor and inserts the chosen one; nothing here talks LSP itself.
      const script = ws.write('complete.lua', `
local out = io.stdout
vim.cmd('edit ' .. vim.fn.argv(0))
local buf = vim.api.nvim_get_current_buf()
vim.api.nvim_buf_set_option(buf, 'omnifunc', 'v:lua.vim.lsp.omnifunc')
-- A menu even for one item, nothing inserted until it is chosen (so the test sees the item, then takes it).
vim.o.completeopt = 'menuone,noinsert'
local id = vim.lsp.start_client({
  name = 'nootropic',
  cmd = { '${process.execPath}', '${path.join(REPO_ROOT, 'bin', 'nootropic-lsp.js')}', '--stdio' },
  root_dir = vim.fn.fnamemodify(vim.fn.argv(0), ':p:h'),
})
vim.lsp.buf_attach_client(buf, id)
local ready = vim.wait(30000, function() local c = vim.lsp.get_client_by_id(id); return c ~= nil and c.server_capabilities ~= nil and next(c.server_capabilities) ~= nil end, 50)
if not ready then out:write('RESULT no-init\\n'); vim.cmd('qa!') end
local caps = vim.lsp.get_client_by_id(id).server_capabilities
out:write('COMPLETION-PROVIDER ' .. tostring(caps.completionProvider ~= nil) .. '\\n')
local function finish(result)
  out:write('LINE ' .. vim.api.nvim_buf_get_lines(buf, 1, 2, false)[1] .. '\\n')
  out:write('RESULT ' .. result .. '\\n')
  vim.lsp.stop_client(id)
  vim.wait(2000, function() return vim.lsp.get_client_by_id(id) == nil end, 50)
  vim.cmd('qa!')
end
vim.api.nvim_create_autocmd('CompleteDone', { buffer = buf, callback = function()
  local item = vim.v.completed_item
  -- The omnifunc answers asynchronously: its first call ends with no item, the menu comes with the response.
  if item.word == nil then return end
  out:write('COMPLETED ' .. tostring(item.word) .. ' | ' .. tostring(item.menu) .. '\\n')
  vim.schedule(function() vim.api.nvim_feedkeys(vim.api.nvim_replace_termcodes('<Esc>', true, false, true), 'n', false); vim.schedule(function() finish('ok') end) end)
end })
-- Cursor at the end of '  return a' (line 2), insert mode, omni completion.
vim.api.nvim_win_set_cursor(0, { 2, 0 })
vim.api.nvim_feedkeys(vim.api.nvim_replace_termcodes('A<C-x><C-o>', true, false, true), 'n', false)
local waited = 0
local timer = vim.loop.new_timer()
timer:start(100, 100, vim.schedule_wrap(function()
  waited = waited + 100
  if vim.fn.pumvisible() == 1 then
    timer:stop()
    local info = vim.fn.complete_info({ 'items' })
    for _, it in ipairs(info.items) do out:write('ITEM ' .. it.word .. ' | ' .. it.abbr .. ' | ' .. it.menu .. '\\n') end
    vim.api.nvim_feedkeys(vim.api.nvim_replace_termcodes('<C-y>', true, false, true), 'n', false)
  elseif waited > 30000 then
    timer:stop()
    finish('timeout')
  end
end))
`);
      const env = nvimEnv(ws.root, { provider: 'ollama', baseUrl: standin.url });
      const output = await runNvim(script, file, env, ws.root, 60_000);
      expect(output, output).toMatch(/COMPLETION-PROVIDER true/);
      expect(output, output).toMatch(/ITEM a \+ b; \| a \+ b; \| nootropic · qwen2\.5-coder:7b/);
      expect(output, output).toMatch(/COMPLETED a \+ b;/);
      expect(output, output).toMatch(/LINE {3}return a \+ b;\n/);
      expect(output, output).toMatch(/RESULT ok/);
      // One FIM request, with the text before and after the cursor as prefix and suffix.
      const calls = standin.calls('/api/generate');
      expect(calls).toHaveLength(1);
      const body = calls[0]!.body as { prompt: string; suffix?: string; raw?: boolean };
      expect(JSON.stringify(body)).toContain('return a');
    } finally {
      await standin.close();
      ws.dispose();
    }
  }, 90_000);

  it('runs chat slash commands through nootropic/chat/send: /explain answers, /edit returns a proposal and writes nothing', async () => {
    expect(nvimAvailable(), 'nvim not found: run `bash .ci/install-tools.sh` (or set NOOTROPIC_SKIP_NEOVIM=1 to skip this test)').toBe(true);
    const edit = 'math.ts\n<<<<<<< SEARCH\n  return a - b;\n=======\n  return a + b;\n>>>>>>> REPLACE\n';
    const standin = await startModelStandin({ replies: [{ text: 'add subtracts b from a.' }, { text: edit }] });
    const ws = tempWorkspace();
    try {
      const before = 'export function add(a: number, b: number): number {\n  return a - b;\n}\n';
      const file = ws.write('math.ts', before);
      // What a Neovim user puts in their config: the request from Lua, with the buffer as the active document.
      const script = ws.write('chat.lua', `
local out = io.stdout
vim.cmd('edit ' .. vim.fn.argv(0))
local buf = vim.api.nvim_get_current_buf()
local id = vim.lsp.start_client({
  name = 'nootropic',
  cmd = { '${process.execPath}', '${path.join(REPO_ROOT, 'bin', 'nootropic-lsp.js')}', '--stdio' },
  root_dir = vim.fn.fnamemodify(vim.fn.argv(0), ':p:h'),
})
vim.lsp.buf_attach_client(buf, id)
vim.wait(30000, function() local c = vim.lsp.get_client_by_id(id); return c ~= nil and c.server_capabilities ~= nil and next(c.server_capabilities) ~= nil end, 50)
local client = vim.lsp.get_client_by_id(id)
local function main()
local function chat(message, selection)
  local context = { uri = vim.uri_from_bufnr(buf) }
  if selection then context.selection = selection end
  local res = client.request_sync('nootropic/chat/send', { messages = { { role = 'user', content = message } }, context = context, retrieveLimit = 0 }, 60000, buf)
  if not res then return { err = 'timeout' } end
  return res
end
local cmds = client.request_sync('nootropic/chat/commands', vim.empty_dict(), 30000, buf)
if not cmds or not cmds.result then out:write('COMMANDS-ERROR ' .. vim.inspect(cmds) .. '\\n'); return end
local names = {}
for _, c in ipairs(cmds.result.commands) do table.insert(names, c.name) end
out:write('COMMANDS ' .. table.concat(names, ',') .. '\\n')
local ex = chat('/explain', { start = { line = 0, character = 0 }, ['end'] = { line = 2, character = 1 } })
if ex.err then out:write('EXPLAIN-ERROR ' .. vim.inspect(ex.err) .. '\\n') else out:write('EXPLAIN ' .. ex.result.kind .. ' ' .. ex.result.answer .. '\\n') end
local ed = chat('/edit make add return the sum')
if ed.err then out:write('EDIT-ERROR ' .. vim.inspect(ed.err) .. '\\n') else
  out:write('EDIT ' .. ed.result.kind .. ' applies=' .. tostring(ed.result.edit.applies) .. '\\n')
  out:write('DIFF ' .. ed.result.edit.diff:gsub('\\n', '|') .. '\\n')
end
end
local ok, err = pcall(main)
if not ok then out:write('LUA-ERROR ' .. tostring(err) .. '\\n') end
vim.lsp.stop_client(id)
vim.wait(2000, function() return vim.lsp.get_client_by_id(id) == nil end, 50)
vim.cmd('qa!')
`);
      const env = nvimEnv(ws.root, { provider: 'openai', baseUrl: `${standin.url}/v1` });
      const output = await runNvim(script, file, env, ws.root, 90_000);
      expect(output, output).toMatch(/COMMANDS plan,edit,fix,test,search,explain,review/);
      expect(output, output).toMatch(/EXPLAIN answer add subtracts b from a\./);
      expect(output, output).toMatch(/EDIT edit applies=true/);
      expect(output, output).toMatch(/DIFF .*\|-  return a - b;\|\+  return a \+ b;/);
      expect(readFileSync(file, 'utf8')).toBe(before);
      const sent = standin.calls('/v1/chat/completions')[0]!.body as { messages: { content: string }[] };
      expect(sent.messages.at(-1)!.content).toContain('Explain the selected code');
    } finally {
      await standin.close();
      ws.dispose();
    }
  }, 120_000);
});
