// Trove's admin context: a caller holding the admin role reaches every project's resources
// through any project path; everyone else reaches only the project its token is scoped to.

/** The projects a caller reaches: one project's id, or undefined for every project (an admin). */
export type ProjectScope = string | undefined;

/** Trove's `is_admin`: the admin role, in any letter case, as `admin_roles` matches it. */
export function isAdmin(credentials: { readonly roles: readonly string[] }): boolean {
  return credentials.roles.some((role) => role.toLowerCase() === 'admin');
}

/**
 * What the caller reaches: every project for an admin, else its own. The one place the admin's
 * reach is decided, so every service that loads a resource by id applies it alike.
 */
export function scopeOf(credentials: {
  readonly roles: readonly string[];
  readonly projectId: string;
}): ProjectScope {
  return isAdmin(credentials) ? undefined : credentials.projectId;
}
