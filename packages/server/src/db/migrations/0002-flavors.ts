// The embedded flavor catalog starts as Nova's classic flavors; an admin can change it later.

import type { Kysely, Migration } from 'kysely';

export const classicFlavors = [
  { id: '1', name: 'm1.tiny', ram: 512, vcpus: 1, disk: 1 },
  { id: '2', name: 'm1.small', ram: 2048, vcpus: 1, disk: 20 },
  { id: '3', name: 'm1.medium', ram: 4096, vcpus: 2, disk: 40 },
  { id: '4', name: 'm1.large', ram: 8192, vcpus: 4, disk: 80 },
  { id: '5', name: 'm1.xlarge', ram: 16384, vcpus: 8, disk: 160 },
] as const;

export const flavors: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    const table = db as unknown as Kysely<{
      flavors: {
        id: string;
        name: string;
        ram: number;
        vcpus: number;
        disk: number;
        deleted: number;
      };
    }>;
    await table
      .insertInto('flavors')
      .values(classicFlavors.map((f) => ({ ...f, deleted: 0 })))
      .execute();
  },
};
