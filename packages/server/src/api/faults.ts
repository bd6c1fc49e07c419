// Every error the API answers with, in Trove's fault body `{"<fault>": {"code", "message"}}`:
// catalog errors as declared, Fastify's own (validation, body size, media type, bad JSON, the
// router's URL checks) mapped onto the catalog, and anything unexpected as a 500 with an id.

import { randomUUID } from 'node:crypto';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  BadRequest,
  isCellarError,
  NotFound,
  PayloadTooLarge,
  toFaultBody,
  UnsupportedMediaType,
  UriTooLong,
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

/** The limits Fastify enforces, named in the faults that report them. */
export interface RequestLimits {
  readonly bodyLimit: number;
  readonly maxParamLength: number;
}

/** A Fastify error with no code of its own in the map below, by the status Fastify gave it. */
function byStatus(error: FastifyError, limits: RequestLimits): CellarError | undefined {
  switch (error.statusCode) {
    case 404:
      return new NotFound({ resource: 'The resource', id: 'at this path' });
    case 413:
      return new PayloadTooLarge({ limit: limits.bodyLimit });
    case 414:
      return new UriTooLong({ limit: limits.maxParamLength });
    default:
      return error.statusCode !== undefined && error.statusCode < 500
        ? new BadRequest({ reason: error.message })
        : undefined;
  }
}

/** The catalog error an error is answered as; undefined for an unexpected failure (a 500). */
export function asFault(
  error: FastifyError | CellarError,
  limits: RequestLimits,
  contentType = 'unknown',
): CellarError | undefined {
  if (isCellarError(error)) return error;
  if (error.validation) return new ValidationFailed({ problems: validationMessage(error) });
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new PayloadTooLarge({ limit: limits.bodyLimit });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new UnsupportedMediaType({ contentType });
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new BadRequest({ reason: `The request body is not valid JSON: ${error.message}` });
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return new UriTooLong({ limit: limits.maxParamLength });
    case 'FST_ERR_BAD_URL':
    case 'FST_ERR_INVALID_URL':
      // Fastify's message repeats the whole path, which may be long: say what is wrong instead.
      return new BadRequest({ reason: 'The request path is not a valid percent-encoded URL.' });
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new BadRequest({ reason: 'The Content-Length header does not match the body.' });
    default:
      // A body parser's SyntaxError comes with Fastify's 400; one from a JSON.parse of Cellar's
      // own (a stored record, a guest's answer) has no status and stays a 500.
      if (error instanceof SyntaxError && error.statusCode === 400)
        return new BadRequest({ reason: `The request body is not valid JSON: ${error.message}` });
      return byStatus(error, limits);
  }
}

/** Answers any error in Trove's fault body: the route's, and the router's before any route runs. */
export function faultResponder(
  limits: RequestLimits,
  log: FaultLog,
): (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => void {
  return (error, request, reply) => {
    const fault = asFault(error, limits, request.headers['content-type']);
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
  };
}

/** The error handler for routes (the router's errors go through Fastify's `frameworkErrors`). */
export function installFaults(app: FastifyInstance, limits: RequestLimits, log: FaultLog): void {
  app.setErrorHandler(faultResponder(limits, log));
  app.setNotFoundHandler((_request, reply) => {
    void reply
      .status(404)
      .send({ itemNotFound: { code: 404, message: 'The resource could not be found.' } });
  });
}
