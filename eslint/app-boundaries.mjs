// berth/app-boundaries: apps never import other apps, libs never import apps (DESIGN.md "Layout").
// A custom rule because no-restricted-imports matches the text of a specifier, and a relative path
// such as '../../api/src/x' only says where it leads once it is resolved against the importing file.
import { dirname, relative, resolve, sep } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');

/** 'apps/<name>' or 'libs/<name>' for a path inside one, else null. */
function packageOf(path) {
  const [top, name] = relative(ROOT, path).split(sep);
  return (top === 'apps' || top === 'libs') && name !== undefined ? { top, name } : null;
}

/** Where a specifier leads: relative paths, baseUrl paths (tsconfig's baseUrl is the root) and @berth/<lib>. */
function targetOf(filename, specifier) {
  if (specifier.startsWith('.')) return resolve(dirname(filename), specifier);
  if (specifier.startsWith('apps/') || specifier.startsWith('libs/')) return resolve(ROOT, specifier);
  const lib = /^@berth\/([^/]+)/.exec(specifier);
  return lib ? resolve(ROOT, 'libs', lib[1]) : null;
}

const rule = {
  meta: {
    type: 'problem',
    docs: { description: 'apps never import other apps; libs never import apps' },
    schema: [],
    messages: {
      otherApp: 'apps/{{from}} imports apps/{{to}}: apps never import other apps (share it through a lib).',
      libImportsApp: 'libs/{{from}} imports apps/{{to}}: libs never import apps.',
    },
  },
  create(context) {
    const from = packageOf(context.filename);
    if (from === null) return {};
    function check(source) {
      if (!source || source.type !== 'Literal' || typeof source.value !== 'string') return;
      const target = targetOf(context.filename, source.value);
      const to = target === null ? null : packageOf(target);
      if (to === null || to.top !== 'apps') return;
      if (from.top === 'libs') {
        context.report({ node: source, messageId: 'libImportsApp', data: { from: from.name, to: to.name } });
      } else if (to.name !== from.name) {
        context.report({ node: source, messageId: 'otherApp', data: { from: from.name, to: to.name } });
      }
    }
    return {
      ImportDeclaration: (node) => check(node.source),
      ExportNamedDeclaration: (node) => check(node.source),
      ExportAllDeclaration: (node) => check(node.source),
      ImportExpression: (node) => check(node.source),
      TSImportEqualsDeclaration: (node) => check(node.moduleReference?.expression),
    };
  },
};

export default { rules: { 'app-boundaries': rule } };
