// Reads an operator's policy file (YAML, or JSON as its subset, as oslo.policy reads both) into
// rule overrides; anything that is not a mapping of rule names to expressions names its line.

import { readFileSync } from 'node:fs';
import { isMap, isScalar, LineCounter, parseDocument, type Node } from 'yaml';

/** The rule overrides of the policy file at `path`; throws `path:line: why` on any problem. */
export function readPolicyFile(path: string): Record<string, string> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(readFileSync(path, 'utf8'), { lineCounter, uniqueKeys: true });
  const lineOf = (node: Node | null | undefined): number =>
    lineCounter.linePos(node?.range?.[0] ?? 0).line;
  const [error] = doc.errors;
  if (error) {
    const why = (error.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:$/, '');
    throw new Error(`${path}:${error.linePos?.[0].line ?? 1}: ${why}`);
  }
  if (doc.contents === null) return {};
  if (!isMap(doc.contents))
    throw new Error(`${path}:${lineOf(doc.contents)}: expected a mapping of "rule": "expression"`);
  const rules: Record<string, string> = {};
  for (const pair of doc.contents.items) {
    const key = isScalar(pair.key) ? pair.key : undefined;
    const name = key?.value;
    if (typeof name !== 'string')
      throw new Error(`${path}:${lineOf(key)}: a rule name must be a string`);
    const value = isScalar(pair.value) ? pair.value.value : undefined;
    if (typeof value !== 'string')
      throw new Error(
        `${path}:${lineOf(key)}: rule ${name}: expected an expression string ("" allows anyone)`,
      );
    rules[name] = value.trim();
  }
  return rules;
}
