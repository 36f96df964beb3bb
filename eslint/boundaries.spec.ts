// The import boundaries in eslint.config.mjs, proved on small snippets linted with the real config: each
// offending snippet is reported by the rule that owns it, and each allowed one is not.
import { execFile } from 'node:child_process';
import { join } from 'node:path';

interface Snippet {
  /** An existing file (type-aware linting needs one the project knows); the snippet stands in for its text. */
  readonly filePath: string;
  readonly code: string;
}
interface Linted {
  readonly filePath: string;
  readonly messages: readonly { readonly ruleId: string | null; readonly message: string }[];
}

const BOUNDARY_RULES = new Set(['berth/app-boundaries', '@typescript-eslint/no-restricted-imports']);

const CASES: readonly (Snippet & { readonly name: string; readonly reported: RegExp | null })[] = [
  // apps never import other apps
  {
    name: 'an app importing another app by a relative path',
    filePath: 'apps/cli/src/main.ts',
    code: "import '../../api/src/app.module';\n",
    reported: /apps\/cli imports apps\/api: apps never import other apps/,
  },
  {
    name: 'an app re-exporting another app',
    filePath: 'apps/cli/src/main.ts',
    code: "export * from '../../agent/src/logger';\n",
    reported: /apps\/cli imports apps\/agent/,
  },
  {
    name: 'an app importing another app by a baseUrl path',
    filePath: 'apps/api/src/app.module.ts',
    code: "import 'apps/billing/src/main';\n",
    reported: /apps\/api imports apps\/billing/,
  },
  {
    name: 'an app loading another app with a dynamic import',
    filePath: 'apps/billing/src/main.ts',
    code: "export const load = () => import('../../agent/src/logger');\n",
    reported: /apps\/billing imports apps\/agent/,
  },
  {
    name: 'an app importing its own modules and a lib',
    filePath: 'apps/api/src/main.ts',
    code: "import './app.module';\nimport '@berth/domain';\n",
    reported: null,
  },
  // libs never import apps
  {
    name: 'a lib importing an app',
    filePath: 'libs/db/src/index.ts',
    code: "import '../../../apps/api/src/app.module';\n",
    reported: /libs\/db imports apps\/api: libs never import apps/,
  },
  {
    name: 'a lib importing another lib',
    filePath: 'libs/db/src/index.ts',
    code: "import '@berth/domain';\nimport '../../config/src';\n",
    reported: null,
  },
  // libs/domain imports no Node builtin
  {
    name: 'the domain importing node:crypto',
    filePath: 'libs/domain/src/usage.ts',
    code: "import { createHash } from 'node:crypto';\nexport const h = createHash;\n",
    reported: /libs\/domain imports no Node builtin/,
  },
  {
    name: 'the domain importing a builtin by its bare name',
    filePath: 'libs/domain/src/usage.ts',
    code: "import { join } from 'path';\nexport const j = join;\n",
    reported: /libs\/domain imports no Node builtin/,
  },
  {
    name: 'the domain importing its own modules',
    filePath: 'libs/domain/src/usage.ts',
    code: "import { amountFor } from './pricing';\nexport const a = amountFor;\n",
    reported: null,
  },
  {
    name: 'a domain spec reading the diagrams beside the code',
    filePath: 'libs/domain/src/usage.spec.ts',
    code: "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n",
    reported: null,
  },
  // only apps/agent/src/drivers/** spawns processes or writes host files
  {
    name: 'the agent spawning a process outside drivers',
    filePath: 'apps/agent/src/agent.module.ts',
    code: "import { spawn } from 'node:child_process';\nexport const s = spawn;\n",
    reported: /Only apps\/agent\/src\/drivers\/\*\* spawns processes or writes host files/,
  },
  {
    name: 'the agent writing a file outside drivers',
    filePath: 'apps/agent/src/agent.module.ts',
    code: "import { writeFile } from 'node:fs/promises';\nexport const w = writeFile;\n",
    reported: /'writeFile' import from 'node:fs\/promises' is restricted/,
  },
  {
    name: 'the agent taking all of fs outside drivers',
    filePath: 'apps/agent/src/agent.module.ts',
    code: "import * as fs from 'fs';\nexport const f = fs;\n",
    reported: /Only apps\/agent\/src\/drivers\/\*\* spawns processes or writes host files/,
  },
  {
    name: "the agent taking fs's default export outside drivers",
    filePath: 'apps/agent/src/agent.module.ts',
    code: "import fsp from 'node:fs/promises';\nexport const f = fsp;\n",
    reported: /Only apps\/agent\/src\/drivers\/\*\* spawns processes or writes host files/,
  },
  {
    name: 'the agent reading files outside drivers',
    filePath: 'apps/agent/src/agent.module.ts',
    code: "import { readFile, stat } from 'node:fs/promises';\nimport type { Stats } from 'node:fs';\nexport const r: [typeof readFile, typeof stat, Stats | null] = [readFile, stat, null];\n",
    reported: null,
  },
  {
    name: 'a driver spawning processes and writing files',
    filePath: 'apps/agent/src/drivers/qemu/qemu.driver.ts',
    code: "import { spawn } from 'node:child_process';\nimport { writeFile } from 'node:fs/promises';\nexport const d = [spawn, writeFile];\n",
    reported: null,
  },
];

/** Lints the snippets in one ESLint process (it loads the TypeScript program once for all of them). */
function lint(snippets: readonly Snippet[]): Promise<Linted[]> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      [join(__dirname, 'lint-snippets.mjs')],
      { maxBuffer: 16 * 1024 * 1024, timeout: 240_000 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${error.message}\n${stderr}`));
        else resolve(JSON.parse(stdout) as Linted[]);
      },
    );
    child.stdin!.end(JSON.stringify(snippets.map(({ filePath, code }) => ({ filePath, code }))));
  });
}

describe('import boundaries (eslint.config.mjs)', () => {
  let results: Linted[];
  beforeAll(async () => {
    results = await lint(CASES);
  }, 300_000);

  it.each(CASES.map((c, i) => [c.name, i] as const))('%s', (_name, i) => {
    const { messages } = results[i]!;
    // A snippet that does not parse would report nothing from the boundary rules; it must not pass as allowed.
    expect(messages.filter((m) => m.ruleId === null)).toEqual([]);
    const boundary = messages.filter((m) => m.ruleId !== null && BOUNDARY_RULES.has(m.ruleId));
    const expected = CASES[i]!.reported;
    if (expected === null) expect(boundary).toEqual([]);
    else expect(boundary.map((m) => m.message)).toEqual([expect.stringMatching(expected)]);
  });
});
