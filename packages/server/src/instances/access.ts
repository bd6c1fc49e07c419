// Who may reach an instance, as a create or update request gives it: the one place a request's
// access enters Cellar, on create and on update alike.

import { checkAllowedCidrs } from './security-rules.js';

export interface AccessRequest {
  readonly is_public?: boolean | undefined;
  readonly allowed_cidrs?: readonly string[] | undefined;
}

/**
 * The access an instance keeps, as a request gives it (absent fields: private, no addresses).
 * The request schema checks only the addresses' shape; what they mean is for this function to
 * check, as it runs before anything is written.
 */
export function accessValue(access: AccessRequest | undefined): {
  is_public: boolean;
  allowed_cidrs: string[];
} {
  checkAllowedCidrs('body.instance.access.allowed_cidrs', access?.allowed_cidrs);
  return {
    is_public: access?.is_public ?? false,
    allowed_cidrs: [...(access?.allowed_cidrs ?? [])],
  };
}
