// The name a taskmanager claims operations under, kept in its state directory: a taskmanager
// restarted there (after a crash or kill -9) takes back its own operations at once.

import { randomUUID } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The name in `<statePath>/taskmanager-name`, written on first start. */
export async function ownerName(statePath: string): Promise<string> {
  const file = join(statePath, 'taskmanager-name');
  const kept = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (kept !== undefined && kept.trim() !== '') return kept.trim();
  const name = randomUUID();
  // A concurrent first start keeps whichever name was written first.
  await writeFile(file, `${name}\n`, { flag: 'wx', mode: 0o600 }).catch(
    (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    },
  );
  return (await readFile(file, 'utf8')).trim();
}
