// Lints snippets of code with the repository's real ESLint config, as if each were the file it names, and
// prints what ESLint reports. The boundaries spec runs it in a child process because ESLint loads
// eslint.config.mjs with a dynamic import, which Jest's module system cannot do.
// stdin: [{ "filePath": "apps/cli/src/main.ts", "code": "..." }]; stdout: [{ "filePath", "messages": [{ "ruleId", "message" }] }]
import { resolve } from 'node:path';
import { text } from 'node:stream/consumers';
import { ESLint } from 'eslint';

const root = resolve(import.meta.dirname, '..');
const snippets = JSON.parse(await text(process.stdin));
const eslint = new ESLint({ cwd: root });
const results = [];
for (const { filePath, code } of snippets) {
  const [result] = await eslint.lintText(code, { filePath: resolve(root, filePath) });
  results.push({
    filePath,
    messages: result.messages.map(({ ruleId, message }) => ({ ruleId, message })),
  });
}
process.stdout.write(JSON.stringify(results));
