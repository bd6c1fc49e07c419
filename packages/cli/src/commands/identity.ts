// `cellar-manage project create` and `cellar-manage user create`: the built-in identity's
// projects and users, written straight into the control database the configuration names.

import type { Command } from 'commander';
import { openControlDatabase } from '@cellar/server';
import {
  bootstrapFrom,
  print,
  reportBootstrap,
  withConfigFlags,
  type ConfigFlags,
} from '../common.js';

async function withIdentity(
  flags: ConfigFlags,
  work: (
    identity: Awaited<ReturnType<typeof openControlDatabase>>['identity'],
    db: Awaited<ReturnType<typeof openControlDatabase>>['control']['db'],
  ) => Promise<void>,
): Promise<void> {
  const result = await bootstrapFrom(flags, 'server');
  if (!reportBootstrap('cellar-manage', 'server', result)) return;
  const { control, identity } = await openControlDatabase(result.config, result.appRoot);
  try {
    await work(identity, control.db);
  } catch (error) {
    print(
      [`cellar-manage: ${error instanceof Error ? error.message : String(error)}`],
      process.stderr,
    );
    process.exitCode = 1;
  } finally {
    await control.close();
  }
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export function identityCommands(program: Command): void {
  withConfigFlags(
    program.command('project').command('create').argument('<name>', 'the project name'),
  )
    .description('add a project to the built-in identity')
    .option('--description <text>', 'what the project is for', '')
    .action(async (name: string, flags: ConfigFlags & { description: string }) =>
      withIdentity(flags, async (identity, db) => {
        if (
          await db.selectFrom('projects').select('id').where('name', '=', name).executeTakeFirst()
        )
          throw new Error(`project ${name} already exists`);
        print([
          `Created project ${name}: ${await identity.createProject(name, flags.description)}`,
        ]);
      }),
    );

  withConfigFlags(program.command('user').command('create').argument('<name>', 'the user name'))
    .description('add a user to the built-in identity, with roles on one project')
    .requiredOption('--project <name>', 'the project the user belongs to')
    .requiredOption('--password <password>', 'the password')
    .option('--role <role>', 'a role on the project (repeatable; default member)', collect, [])
    .action(
      async (
        name: string,
        flags: ConfigFlags & { project: string; password: string; role: string[] },
      ) =>
        withIdentity(flags, async (identity, db) => {
          const project = await db
            .selectFrom('projects')
            .select('id')
            .where('name', '=', flags.project)
            .executeTakeFirst();
          if (!project)
            throw new Error(
              `project ${flags.project} does not exist; create it with: cellar-manage project create ${flags.project}`,
            );
          if (await db.selectFrom('users').select('id').where('name', '=', name).executeTakeFirst())
            throw new Error(`user ${name} already exists`);
          const roles = flags.role.length > 0 ? flags.role : ['member'];
          await identity.createUser(name, flags.password, project.id, roles);
          print([`Created user ${name} with ${roles.join(', ')} on project ${flags.project}`]);
        }),
    );
}
