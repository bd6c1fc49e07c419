// Operations keep their secrets apart from their arguments, sealed, in a column erased when they
// end; the passwords earlier versions left in the clear in ended operations are removed here.

import type { Kysely, Migration } from 'kysely';

interface Operations {
  operations: { id: string; status: string; request: string; secrets: string | null };
}

/** An ended operation's arguments without the passwords earlier versions stored with them. */
function withoutPasswords(request: string): string | undefined {
  const parsed = JSON.parse(request) as {
    users?: { password?: unknown }[];
    sealedRootPassword?: unknown;
  };
  const users = parsed.users ?? [];
  if (!users.some((u) => 'password' in u) && !('sealedRootPassword' in parsed)) return undefined;
  delete parsed.sealedRootPassword;
  for (const user of users) delete user.password;
  return JSON.stringify(parsed);
}

export const operationSecrets: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    const table = db as unknown as Kysely<Operations>;
    await table.schema.alterTable('operations').addColumn('secrets', 'text').execute();
    const ended = await table
      .selectFrom('operations')
      .select(['id', 'request'])
      .where('status', 'in', ['succeeded', 'failed'])
      .execute();
    for (const operation of ended) {
      const request = withoutPasswords(operation.request);
      if (request !== undefined)
        await table
          .updateTable('operations')
          .set({ request })
          .where('id', '=', operation.id)
          .execute();
    }
  },
};
