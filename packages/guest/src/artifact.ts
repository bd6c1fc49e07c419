// Where a datastore's guest artifact is and what it is made of: what the compute driver reads to
// run it. Kept apart from the builder, so a control plane never loads esbuild.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface GuestArtifact {
  readonly datastore: string;
  readonly package: string;
  readonly version: string;
  /** The bundled program: `node <file> --config-file …`. */
  readonly file: string;
  /** Everything the guest carries: the program and its chunks. */
  readonly bytes: number;
  /** The program alone: what Node reads to start the agent. */
  readonly startBytes?: number;
  /** Code loaded only when used (a storage's SDK), relative to the program's directory. */
  readonly chunks?: readonly string[];
  /** Every source file inside, relative to the deployment root: what the artifact is made of. */
  readonly inputs: readonly string[];
}

export const ARTIFACT_FILE = 'cellar-guest.mjs';
export const ARTIFACT_MANIFEST = 'artifact.json';

/** Where the artifact of a datastore is built within a deployment. */
export const artifactDir = (appRoot: string, datastore: string): string =>
  join(appRoot, 'build', 'guest', datastore);

/** Reads a built artifact's description; undefined when none is built. */
export async function readGuestArtifact(
  appRoot: string,
  datastore: string,
): Promise<GuestArtifact | undefined> {
  try {
    return JSON.parse(
      await readFile(join(artifactDir(appRoot, datastore), ARTIFACT_MANIFEST), 'utf8'),
    ) as GuestArtifact;
  } catch {
    return undefined;
  }
}
