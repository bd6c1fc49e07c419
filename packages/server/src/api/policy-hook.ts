// Applies the policy before every Trove route: the rule the route table names (the action body
// decides for instance actions), against the tenant the path names.

import type { FastifyInstance } from 'fastify';
import { Forbidden, NotAdmin } from '@cellar/plugin-api';
import type { Policy } from '../policy/policy.js';
import { routeRules } from '../policy/route-rules.js';
import { actionRule } from '../instances/actions.js';

export function installPolicy(app: FastifyInstance, policy: Policy): void {
  app.addHook('preHandler', async (request) => {
    const auth = request.auth;
    if (!auth) return;
    const route = `${request.method} ${request.routeOptions.url ?? ''}`;
    let rule = routeRules[route] ?? 'default';
    // The action's own rule, from the action table (an unknown action is the handler's 400).
    if (rule === 'instance:restart') rule = actionRule(request.body) ?? rule;
    const params = request.params as Record<string, string | undefined>;
    const target = { tenant: params['project'] ?? params['tenant_id'] ?? auth.projectId };
    if (policy.check(rule, target, auth)) return;
    // Where Trove checks its admin context instead of a policy (the management API, changing
    // quotas), a non-admin gets its 401, not a policy's 403.
    throw rule.startsWith('mgmt:') || rule === 'quota:update'
      ? new NotAdmin({})
      : new Forbidden({ action: rule });
  });
}
