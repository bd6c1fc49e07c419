// What a request to create or change a configuration group may hold, as TypeBox schemas the API
// validates bodies with and the services take their input types from.

import { Type, type Static } from '@sinclair/typebox';

const values = Type.Record(
  Type.String({ minLength: 1, maxLength: 255 }),
  Type.Union([Type.String(), Type.Number(), Type.Boolean()]),
  {
    description:
      'Parameter name to value, typed as the parameter is (integer, float, string, boolean)',
  },
);

export const createConfigurationRequest = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 255 }),
    description: Type.Optional(Type.Union([Type.String({ maxLength: 255 }), Type.Null()])),
    values,
    datastore: Type.Optional(
      Type.Object(
        {
          type: Type.Optional(Type.String()),
          version: Type.Optional(Type.String()),
          version_number: Type.Optional(Type.String()),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type CreateConfigurationRequest = Static<typeof createConfigurationRequest>;

/** PUT (all values replaced, name and description changed when given) and PATCH (values merged). */
export const updateConfigurationRequest = Type.Object(
  {
    values,
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
    description: Type.Optional(Type.Union([Type.String({ maxLength: 255 }), Type.Null()])),
  },
  { additionalProperties: false },
);
export type UpdateConfigurationRequest = Static<typeof updateConfigurationRequest>;

/** Cellar's `?dry_run=true`: answer what would change, change nothing. */
export const dryRunQuery = Type.Object(
  { dry_run: Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false')])) },
  { additionalProperties: false },
);
