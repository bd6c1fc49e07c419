// Path parameter schemas shared by the Trove routes.

import { Type } from '@sinclair/typebox';

export const tenantParams = Type.Object({ tenant_id: Type.String({ minLength: 1 }) });

/** `/v1.0/{tenant_id}/<collection>/{id}` */
export const idParams = Type.Object({ tenant_id: Type.String(), id: Type.String() });
