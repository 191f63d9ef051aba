// Makes dist/types resolvable under `moduleResolution: node16/nodenext` (the package is "type": "module"):
// the sources use extensionless relative imports (Bundler resolution), and tsc copies them into the .d.ts
// files as they are. Each relative specifier becomes the file that exists: `./x` → `./x.js` (for x.d.ts)
// or `./x/index.js` (for x/index.d.ts). A specifier that matches neither fails the build. Bundler
// resolution accepts both forms. Run by `npm run build` after `tsc -p tsconfig.build.json`.
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

const root = resolve(process.argv[2] ?? 'dist/types');

/** Every .d.ts file under `dir`. */
const declarationFiles = (dir) =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return declarationFiles(path);
    return name.endsWith('.d.ts') ? [path] : [];
  });

/** The string literals naming modules in a declaration file: imports, re-exports, `import('…')` types, `declare module`. */
function moduleSpecifiers(file, text) {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found = [];
  const visit = (node) => {
    let spec;
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier)
      spec = node.moduleSpecifier;
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) spec = node.argument.literal;
    else if (ts.isExternalModuleReference(node)) spec = node.expression;
    else if (ts.isModuleDeclaration(node) && ts.isStringLiteral(node.name)) spec = node.name;
    if (spec && ts.isStringLiteral(spec)) found.push(spec);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** The NodeNext form of a relative specifier, or undefined when it already has one. */
function withExtension(file, spec) {
  if (/\.[cm]?js$|\.json$/.test(spec)) return undefined;
  const target = resolve(dirname(file), spec);
  if (existsSync(`${target}.d.ts`)) return `${spec}.js`;
  if (existsSync(join(target, 'index.d.ts'))) return `${spec.replace(/\/$/, '')}/index.js`;
  throw new Error(`${relative(process.cwd(), file)}: '${spec}' matches no .d.ts file`);
}

if (!existsSync(root)) throw new Error(`${root} does not exist: run tsc -p tsconfig.build.json first`);
for (const file of declarationFiles(root)) {
  const text = readFileSync(file, 'utf8');
  let out = text;
  // From the end, so earlier positions stay valid.
  for (const lit of moduleSpecifiers(file, text).reverse()) {
    if (!/^\.\.?(\/|$)/.test(lit.text)) continue;
    const next = withExtension(file, lit.text);
    if (next === undefined) continue;
    const start = lit.getStart();
    out = `${out.slice(0, start)}${text[start]}${next}${text[start]}${out.slice(lit.getEnd())}`;
  }
  if (out !== text) writeFileSync(file, out);
}
