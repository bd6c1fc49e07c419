// Path and query schemas shared by the Trove routes.

import { Type } from '@sinclair/typebox';

export const tenantParams = Type.Object({ tenant_id: Type.String({ minLength: 1 }) });

/** `/v1.0/{tenant_id}/<collection>/{id}` */
export const idParams = Type.Object({ tenant_id: Type.String(), id: Type.String() });

/** Trove's paging: `limit` (capped by the page size) and the id to continue after. */
export const pageQuery = Type.Object(
  {
    limit: Type.Optional(Type.String({ pattern: '^[0-9]+$' })),
    marker: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
