// Configuration groups over HTTP, as Trove serves them (/configurations, their instances, PUT
// replaces, PATCH merges, DELETE refused while attached), with Cellar's ?dry_run=true on changes.
// Each route is its schema and one call into configurations/.

import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import {
  configurationInstances,
  createConfiguration,
  deleteConfiguration,
  listConfigurations,
  showConfiguration,
} from '../../configurations/groups.js';
import {
  createConfigurationRequest,
  dryRunQuery,
  updateConfigurationRequest,
} from '../../configurations/requests.js';
import { updateConfiguration } from '../../configurations/update.js';
import type { InstanceDeps } from '../../instances/deps.js';
import { projectScope } from '../auth.js';
import { baseUrl } from '../links.js';
import { idParams, pageQuery, tenantParams } from './params.js';

const tags = ['configurations'];
const createBody = Type.Object(
  { configuration: createConfigurationRequest },
  { additionalProperties: false },
);
const updateBody = Type.Object(
  { configuration: updateConfigurationRequest },
  { additionalProperties: false },
);

/** Trove's next link: the same path with the marker to continue after. */
const nextLinks = (href: string, limit: string | undefined, next: string | undefined) =>
  next === undefined
    ? {}
    : {
        links: [
          {
            rel: 'next',
            href: `${href}?${limit === undefined ? '' : `limit=${limit}&`}marker=${next}`,
          },
        ],
      };

export function configurationRoutes(parent: FastifyInstance, deps: InstanceDeps): void {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/v1.0/:tenant_id/configurations',
    {
      schema: {
        tags,
        summary: 'List configuration groups',
        params: tenantParams,
        querystring: pageQuery,
      },
    },
    async (request) => {
      const tenant = request.params.tenant_id;
      const page = await listConfigurations(deps, tenant, request.query);
      const href = `${baseUrl(request, deps.publicEndpoint)}/v1.0/${tenant}/configurations`;
      return {
        configurations: page.configurations,
        ...nextLinks(href, request.query.limit, page.next),
      };
    },
  );
  app.post(
    '/v1.0/:tenant_id/configurations',
    {
      schema: {
        tags,
        summary: 'Create a configuration group (answers 200, as Trove does)',
        params: tenantParams,
        body: createBody,
      },
    },
    async (request) => ({
      configuration: await createConfiguration(
        deps,
        request.params.tenant_id,
        request.body.configuration,
      ),
    }),
  );
  app.get(
    '/v1.0/:tenant_id/configurations/:id',
    { schema: { tags, summary: 'Show a configuration group with its values', params: idParams } },
    async (request) => ({
      configuration: await showConfiguration(deps, projectScope(request), request.params.id),
    }),
  );
  app.get(
    '/v1.0/:tenant_id/configurations/:id/instances',
    {
      schema: {
        tags,
        summary: 'List the instances a configuration group is attached to',
        params: idParams,
        querystring: pageQuery,
      },
    },
    async (request) => {
      const { tenant_id: tenant, id } = request.params;
      const page = await configurationInstances(deps, projectScope(request), id, request.query);
      const href = `${baseUrl(request, deps.publicEndpoint)}/v1.0/${tenant}/configurations/${id}/instances`;
      return { instances: page.instances, ...nextLinks(href, request.query.limit, page.next) };
    },
  );
  changeRoutes(app, deps);
}

function changeRoutes(parent: FastifyInstance, deps: InstanceDeps): void {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const change = (summary: string) => ({
    schema: { tags, summary, params: idParams, querystring: dryRunQuery, body: updateBody },
  });
  app.put(
    '/v1.0/:tenant_id/configurations/:id',
    change(
      "Replace a group's values and apply them to its instances (202); ?dry_run=true answers what would change (200)",
    ),
    async (request, reply) => {
      const { id } = request.params;
      const dryRun = request.query.dry_run === 'true';
      const answer = await updateConfiguration(
        deps,
        projectScope(request),
        id,
        request.body.configuration,
        'replace',
        dryRun,
      );
      return answer ? reply.status(200).send(answer) : reply.status(202).send();
    },
  );
  app.patch(
    '/v1.0/:tenant_id/configurations/:id',
    change(
      'Merge values into a group and apply them to its instances; ?dry_run=true answers what would change',
    ),
    async (request, reply) => {
      const { id } = request.params;
      const dryRun = request.query.dry_run === 'true';
      const answer = await updateConfiguration(
        deps,
        projectScope(request),
        id,
        request.body.configuration,
        'merge',
        dryRun,
      );
      return reply.status(200).send(answer);
    },
  );
  app.delete(
    '/v1.0/:tenant_id/configurations/:id',
    {
      schema: {
        tags,
        summary: 'Delete a configuration group no instance has attached',
        params: idParams,
      },
    },
    async (request, reply) => {
      await deleteConfiguration(deps, projectScope(request), request.params.id);
      return reply.status(202).send();
    },
  );
}
