// The agents find what the instruction names: identifiers in an instruction or a question (dotted or not, with
// or without `()`, snake_case or camelCase) are resolved against the index's symbol table, and the definition
// is in the prompt the model receives (the stand-in records it) ahead of the ranked chunks.
import { afterEach, describe, expect, it } from 'vitest';
import { AgentRun, ChatSend, IndexBuild } from '../../shared/protocol';
import { startInProcessServer, type InProcessServer } from '../support/in-process';
import { startModelStandin, type Standin } from '../support/model-standin';
import { tempWorkspace, type TempWorkspace } from '../support/paths';

let server: InProcessServer | undefined;
let standin: Standin | undefined;
let ws: TempWorkspace | undefined;
afterEach(async () => {
  server?.dispose();
  await standin?.close();
  ws?.dispose();
  server = standin = ws = undefined;
});

const FROM_PREFIXED_ENV = 'def from_prefixed_env(self, prefix="APP", *, loads=json.loads):\n        marker_7f3a = os.environ.get(prefix)';
const PARSE_OPTIONS = 'export function parseOptions(argv: string[]): Options {\n  const marker_b41c = argv.slice(2);';

/** A workspace where the named definitions share few words with the instruction, and filler files do. */
function project(): TempWorkspace {
  ws = tempWorkspace('nootropic-named-');
  const filler = Array.from({ length: 40 }, (_, i) => `    def helper_${i}(self):\n        """Fix the tests so that they pass: config ${i}."""\n        return ${i}\n`).join('\n');
  ws.write('app/config.py', `import json\nimport os\n\n\nclass Config(dict):\n${filler}\n    ${FROM_PREFIXED_ENV}\n        return self.update(loads(marker_7f3a or "{}"))\n`);
  ws.write('src/options.ts', `export interface Options { verbose: boolean }\n\n${PARSE_OPTIONS}\n  return { verbose: marker_b41c.includes('-v') };\n}\n`);
  // Tests that name every word of the instruction, many times: ranking by words alone fills the list with
  // them (and the coder skips chunks of files it already holds whole, like a test file the instruction names).
  const pyTests = Array.from({ length: 12 }, (_, i) => `def test_fix_config_from_prefixed_env_passes_${i}():\n    config = Config()\n    config.from_prefixed_env(prefix="FIX_${i}")\n    config.from_prefixed_env(prefix="TEST_${i}")\n    assert config.from_prefixed_env() is None\n`).join('\n\n');
  ws.write('tests/test_config.py', `from app.config import Config\n\n\n${pyTests}`);
  const tsTests = Array.from({ length: 12 }, (_, i) => `export function testFixParseOptionsPasses${i}(): void {\n  parseOptions(['fix', 'tests', '${i}']);\n  parseOptions(['pass']);\n}\n`).join('\n');
  ws.write('src/options.test.ts', `import { parseOptions } from './options';\n\n${tsTests}`);
  ws.write('project-spec.yaml', 'name: named\ngoals: [x]\ntests: "true"\nbudgets:\n  iterations: 1\n');
  return ws;
}

const env = (s: Standin) => ({ NOOTROPIC_USER_CONFIG: '/nonexistent/nootropic.yaml', NOOTROPIC_PROVIDER: 'ollama', NOOTROPIC_BASE_URL: s.url, NOOTROPIC_MODEL: 'qwen2.5-coder:7b' });

async function coderPrompt(instruction: string): Promise<string> {
  const w = project();
  standin = await startModelStandin({ replies: [{ text: 'Nothing to change.' }] });
  server = startInProcessServer(env(standin));
  await server.initialize(w.root, { cliOverrides: { agents: { resumeOnStart: false } } });
  await server.client.sendRequest(IndexBuild.method, {});
  await server.client.sendRequest(AgentRun.method, { instruction }).catch(() => undefined);
  const body = standin.calls('/api/chat')[0]!.body as { messages: Array<{ role: string; content: string }> };
  return body.messages.find((m) => m.role === 'user')!.content;
}

describe('definitions named in an instruction reach the coder', () => {
  it.each([
    ['dotted: Config.from_prefixed_env', 'Fix Config.from_prefixed_env so that tests/test_config.py passes', FROM_PREFIXED_ENV],
    ['bare snake_case: from_prefixed_env', 'Fix from_prefixed_env so that tests/test_config.py passes', FROM_PREFIXED_ENV],
    ['with (): Config.from_prefixed_env()', 'Fix Config.from_prefixed_env() so that tests/test_config.py passes', FROM_PREFIXED_ENV],
    ['bare camelCase: parseOptions', 'Fix parseOptions so that src/options.test.ts passes', PARSE_OPTIONS],
    ['camelCase with (): parseOptions()', 'Fix parseOptions() so that src/options.test.ts passes', PARSE_OPTIONS],
  ])('%s', async (_label, instruction, definition) => {
    const prompt = await coderPrompt(instruction);
    expect(prompt).toContain(definition);
    // Without `()` no other path brings the file: the named definition is the first retrieved block, ahead of
    // the ranked chunks.
    if (!instruction.includes('()')) {
      const first = prompt.indexOf('--- retrieved: ');
      expect(first).toBeGreaterThanOrEqual(0);
      const next = prompt.indexOf('\n--- ', first + 1);
      expect(prompt.slice(first, next < 0 ? undefined : next)).toContain(definition);
    }
  }, 60_000);
});

describe('definitions named in a question reach chat/ask', () => {
  it('puts Config.from_prefixed_env in the prompt and cites it', async () => {
    const w = project();
    standin = await startModelStandin({ replies: [{ text: 'It reads the environment.' }] });
    server = startInProcessServer({ NOOTROPIC_USER_CONFIG: '/nonexistent/nootropic.yaml', NOOTROPIC_PROVIDER: 'openai', NOOTROPIC_BASE_URL: `${standin.url}/v1`, NOOTROPIC_MODEL: 'qwen2.5-coder:7b' });
    await server.initialize(w.root);
    await server.client.sendRequest(IndexBuild.method, {});
    const result = ChatSend.result.parse(await server.client.sendRequest(ChatSend.method, { streamId: 'n1', messages: [{ role: 'user', content: 'What does Config.from_prefixed_env do?' }] }));
    const sent = standin.calls('/v1/chat/completions')[0]!.body as { messages: { role: string; content: string }[] };
    expect(sent.messages.at(-1)!.content).toContain(FROM_PREFIXED_ENV);
    expect(result.citations.some((c) => c.path === 'app/config.py')).toBe(true);
  }, 60_000);
});
