// The demo container, validated, for unit tests that need a realistic one.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { checkContainer } from '../../src/container/check';
import type { Container } from '../../src/container/schema';

/** A fresh copy of containers/demo.json, schema-checked. */
export function demoContainer(): Container {
  return checkContainer(JSON.parse(readFileSync(resolve(__dirname, '../../containers/demo.json'), 'utf8')));
}
