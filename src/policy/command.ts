/**
 * `tagwarden policy <container.json> --lang sv|en --format html|md [--out file] [--site-name text]`:
 * validates the container, then writes its complete cookie policy page (render.ts) to --out or stdout.
 * Follows the CLI's conventions (cli/app.ts) but handles its own errors and returns the exit code:
 * 0 written, 1 unreadable or invalid container (one line per problem) or failed write, 2 usage error.
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { InputError, parseJson, readBytes, UsageError, writeOutput } from '../cli/input';
import { formatPath, validateContainer } from '../container/validate';
import type { Lang } from '../declaration/build';
import { type PolicyFormat, renderPolicy } from './render';

/** Where the command writes; the same shape as the CLI's `Io`. */
export interface Io {
  out(line: string): void;
  err(line: string): void;
}

export const policyHelp = `Usage: tagwarden policy <container.json> --lang sv|en --format html|md [--out <file>] [--site-name <text>]

Writes the site's complete cookie policy page, generated from the container: what cookies and
similar techniques are, session and persistent, first and third party, why each category is used,
the marketing purposes in detail, how visitors control cookies (with a "Cookie settings" button
carrying data-tagwarden-preferences) and the full declaration, including tagwarden's own storage.
Validates the container first and refuses an invalid one.
  --lang sv|en         language of the page
  --format html|md     a standalone HTML document, or Markdown for a site generator
  --out <file>         write to <file> instead of standard output
  --site-name <text>   the site's name for the title and introduction (default: "this website")`;

const OPTIONS = {
  lang: { type: 'string' },
  format: { type: 'string' },
  out: { type: 'string' },
  'site-name': { type: 'string' },
} satisfies NonNullable<ParseArgsConfig['options']>;

/** Runs `tagwarden policy` with `args` (after the command name) and returns the exit code. */
export async function policyCommand(args: string[], io: Io): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    io.out(policyHelp);
    return 0;
  }
  try {
    return await policy(args, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`tagwarden policy: ${e.message}. Run "tagwarden policy --help".`);
      return 2;
    }
    if (e instanceof InputError) {
      io.err(`tagwarden policy: ${e.message}`);
      return 1;
    }
    const err = e as NodeJS.ErrnoException;
    io.err(`tagwarden policy: ${err.code ? `${err.code}: ` : ''}${err.message}`);
    return 1;
  }
}

async function policy(args: string[], io: Io): Promise<number> {
  let parsed: ReturnType<
    typeof parseArgs<{ args: string[]; options: typeof OPTIONS; allowPositionals: true }>
  >;
  try {
    parsed = parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message.split('\n')[0]!.replace(/\. To specify.*$/, ''));
  }
  const { values, positionals } = parsed;
  const [path, extra] = positionals;
  if (!path || extra !== undefined) throw new UsageError('name exactly one container file');
  const lang = oneOf(values.lang, '--lang', ['sv', 'en'] as const);
  const format = oneOf(values.format, '--format', ['html', 'md'] as const);
  const siteName = values['site-name'];
  if (siteName !== undefined && !siteName.trim()) throw new UsageError('--site-name must not be empty');
  if (values.out !== undefined && !values.out) throw new UsageError('--out must name a file');

  const { container, problems } = validateContainer(parseJson(path, await readBytes(path)));
  for (const p of problems.filter((q) => !container || q.severity === 'warning')) {
    io.err(`${path}: ${formatPath(p.path)}: ${p.severity === 'warning' ? 'warning: ' : ''}${p.message}`);
  }
  if (!container) throw new InputError(`${path} is invalid; no policy written`);

  const text = renderPolicy(container, {
    lang: lang satisfies Lang,
    format: format satisfies PolicyFormat,
    ...(siteName !== undefined && { siteName }),
  });
  if (values.out) {
    await writeOutput(values.out, text, [path]);
    io.out(`wrote ${values.out}`);
  } else io.out(text.trimEnd());
  return 0;
}

function oneOf<T extends string>(value: string | undefined, flag: string, allowed: readonly T[]): T {
  const list = allowed.join('|');
  if (value === undefined) throw new UsageError(`${flag} ${list} is required`);
  if (!(allowed as readonly string[]).includes(value))
    throw new UsageError(`${flag} must be ${list} (got "${value}")`);
  return value as T;
}
