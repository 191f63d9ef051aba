/**
 * What every CLI command shares about its input: the two user-error kinds (usage, exit 2; invalid
 * input, exit 1) and reading a JSON file strictly (UTF-8, no BOM), each problem as one line.
 */
import { readFile } from 'node:fs/promises';

/** A usage mistake: printed with a pointer to --help, exit code 2. */
export class UsageError extends Error {}
/** An input that is unreadable, invalid or fails verification: printed as is, exit code 1. */
export class InputError extends Error {}

/** The bytes of `path`, or an InputError saying in one line why not. */
export async function readBytes(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(code === 'ENOENT' ? `${path}: no such file` : `${path}: cannot read (${code})`);
  }
}

/** Decodes file bytes as strict UTF-8 JSON without a BOM, or explains in one line. */
export function parseJson(path: string, bytes: Uint8Array): unknown {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new InputError(`${path}: (root): not valid UTF-8`);
  }
  if (text.charCodeAt(0) === 0xfeff) {
    throw new InputError(`${path}: (root): starts with a byte order mark; save it as UTF-8 without BOM`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new InputError(`${path}: (root): invalid JSON: ${(e as Error).message}`);
  }
}
