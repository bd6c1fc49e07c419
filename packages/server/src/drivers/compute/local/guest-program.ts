// The program a guest agent runs: the datastore's built artifact (the program and the chunks it
// loads when a backup needs them), copied where the guests' users can read it (a deployment's own
// tree may be closed to them), else the unbundled agent.

import { randomUUID } from 'node:crypto';
import { chmod, copyFile, mkdir, rename, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { artifactDir, ARTIFACT_FILE, readGuestArtifact } from '@cellar/guest/artifact';

export interface GuestProgram {
  /** Node's arguments before the agent's own. */
  readonly args: string[];
  readonly cwd: string;
}

/** `home` is the guests' directory: the artifact's copy goes to <home>/guest/<datastore>/. */
export async function guestProgram(
  appRoot: string,
  home: string,
  datastore: string,
): Promise<GuestProgram> {
  const artifact = await readGuestArtifact(appRoot, datastore);
  if (!artifact)
    return {
      args: [join(appRoot, 'node_modules', '@cellar', 'guest', 'bin', 'cellar-guest.js')],
      cwd: appRoot,
    };
  const copy = join(home, 'guest', datastore, ARTIFACT_FILE);
  const source = join(artifactDir(appRoot, datastore), ARTIFACT_FILE);
  const [from, to] = await Promise.all([stat(source), stat(copy).catch(() => undefined)]);
  if (!to || to.size !== from.size || to.mtimeMs < from.mtimeMs) {
    await mkdir(dirname(copy), { recursive: true, mode: 0o755 });
    await chmod(join(home, 'guest'), 0o755);
    // Chunks first: their names carry their content's hash, and the program that names them is
    // put in place last, so a guest starting meanwhile runs the old program with the old chunks.
    for (const chunk of artifact.chunks ?? [])
      await copyReadable(join(dirname(source), chunk), join(dirname(copy), chunk));
    await copyReadable(source, copy);
  }
  return { args: [copy], cwd: '/' };
}

/** Copies a file readable by all, under a name of its own first: a standby and a launch may copy at the same moment. */
async function copyReadable(from: string, to: string): Promise<void> {
  await mkdir(dirname(to), { recursive: true, mode: 0o755 });
  await chmod(dirname(to), 0o755);
  const fresh = `${to}.${randomUUID()}`;
  await copyFile(from, fresh);
  await chmod(fresh, 0o644);
  await rename(fresh, to);
}
