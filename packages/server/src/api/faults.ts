// Every error the API answers with, in Trove's fault body `{"<fault>": {"code", "message"}}`:
// catalog errors as declared, Fastify's own (validation, body size, media type, bad JSON) mapped
// onto the catalog, and anything unexpected as a 500 with an id to find it in the logs.

import { randomUUID } from 'node:crypto';
import type { FastifyError, FastifyInstance } from 'fastify';
import {
  BadRequest,
  isCellarError,
  PayloadTooLarge,
  toFaultBody,
  UnsupportedMediaType,
  ValidationFailed,
  type CellarError,
} from '@cellar/plugin-api';

export interface FaultLog {
  error(fields: Record<string, unknown>, message: string): void;
}

function validationMessage(error: FastifyError): string {
  const problems = (error.validation ?? []).map((v) => {
    const where = `${error.validationContext ?? 'body'}${v.instancePath.replaceAll('/', '.')}`;
    const params = v.params;
    if (v.keyword === 'additionalProperties')
      return `${where}: unknown field '${String(params['additionalProperty'])}'`;
    if (v.keyword === 'required')
      return `${where}: '${String(params['missingProperty'])}' is required`;
    return `${where} ${v.message ?? 'is invalid'}`;
  });
  return problems.join('; ');
}

/** The catalog error an error is answered as; undefined for an unexpected failure (a 500). */
export function asFault(
  error: FastifyError | CellarError,
  bodyLimit: number,
  contentType = 'unknown',
): CellarError | undefined {
  if (isCellarError(error)) return error;
  if (error.validation) return new ValidationFailed({ problems: validationMessage(error) });
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new PayloadTooLarge({ limit: bodyLimit });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new UnsupportedMediaType({ contentType });
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new BadRequest({ reason: `The request body is not valid JSON: ${error.message}` });
    default:
      if (error instanceof SyntaxError)
        return new BadRequest({ reason: `The request body is not valid JSON: ${error.message}` });
      return error.statusCode !== undefined && error.statusCode < 500
        ? new BadRequest({ reason: error.message })
        : undefined;
  }
}

export function installFaults(app: FastifyInstance, log: FaultLog): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const fault = asFault(error, app.initialConfig.bodyLimit ?? 0, request.headers['content-type']);
    if (fault) {
      void reply.status(fault.status).send(toFaultBody(fault));
      return;
    }
    const id = randomUUID();
    log.error({ id, err: error, method: request.method, url: request.url }, 'unexpected error');
    void reply.status(500).send({
      instanceFault: {
        code: 500,
        message: `Internal Server Error. Please keep this ID to help us figure out what went wrong: (${id}).`,
      },
    });
  });
  app.setNotFoundHandler((_request, reply) => {
    void reply
      .status(404)
      .send({ itemNotFound: { code: 404, message: 'The resource could not be found.' } });
  });
}
