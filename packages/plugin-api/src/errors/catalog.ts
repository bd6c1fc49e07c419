// Every error Cellar can raise, declared once: stable code, message template, HTTP status and
// Trove fault name. docs/errors.md is generated from this list and a test keeps them in step.

import { adminErrors } from './admin-errors.js';
import { backupErrors } from './backup-errors.js';
import { guestBackupErrors } from './backup-guest-errors.js';
import { backupStorageErrors } from './backup-storage-errors.js';
import { defineError } from './cellar-error.js';
import { configurationErrors } from './configuration-errors.js';
import { configurationGuestErrors } from './configuration-guest-errors.js';
import { replicationErrors } from './replication-errors.js';

export const BadRequest = defineError('BadRequest', {
  code: 'CELLAR_BAD_REQUEST',
  status: 400,
  message: '{reason}',
  description: 'The request is malformed; the message names what was wrong.',
});

export const ValidationFailed = defineError('ValidationFailed', {
  code: 'CELLAR_VALIDATION_FAILED',
  status: 400,
  message: 'Validation error: {problems}',
  description: 'A field of the request body or query has the wrong type, range or form.',
});

export const Unauthorized = defineError('Unauthorized', {
  code: 'CELLAR_UNAUTHORIZED',
  status: 401,
  message: 'The request you have made requires authentication: {reason}',
  description: 'The token is missing, expired, revoked or unknown.',
});

export const Forbidden = defineError('Forbidden', {
  code: 'CELLAR_FORBIDDEN',
  status: 403,
  message: 'Policy does not allow {action} to be performed.',
  description: 'The token is valid but its roles or project do not allow the request.',
});

export const CrossSiteRefused = defineError('CrossSiteRefused', {
  code: 'CELLAR_CROSS_SITE_REFUSED',
  status: 403,
  message: 'A cookie-authenticated request that changes state was refused: {reason}',
  description:
    "The console's session cookie was sent by another site, or without the console's X-Cellar-CSRF header.",
});

export const WrongProject = defineError('WrongProject', {
  code: 'CELLAR_WRONG_PROJECT',
  status: 403,
  message:
    'The token is scoped to project {tokenProject}, so it cannot act on project {pathProject}.',
  description:
    "The tenant in the URL is not the token's project; get a token scoped to that project.",
});

export const NotFound = defineError('NotFound', {
  code: 'CELLAR_NOT_FOUND',
  status: 404,
  message: '{resource} {id} cannot be found.',
  description: 'The named resource does not exist or belongs to another project.',
});

export const DatastoreNotFound = defineError('DatastoreNotFound', {
  code: 'CELLAR_DATASTORE_NOT_FOUND',
  status: 404,
  message: 'Datastore {id} cannot be found; this deployment offers {offered}.',
  description:
    'The request names a datastore that is not enabled here; the message lists the ones that are.',
});

export const InstanceBusy = defineError('InstanceBusy', {
  code: 'CELLAR_INSTANCE_BUSY',
  status: 422,
  message:
    'Instance {id} is not currently available for an action to be performed (task status was {taskStatus}).',
  description: 'Another operation is running on the instance; retry when it has finished.',
});

export const InstanceNotReady = defineError('InstanceNotReady', {
  code: 'CELLAR_INSTANCE_NOT_READY',
  status: 422,
  message: 'Instance {id} is not ready: its database service is {status}.',
  description:
    'Databases, users and root need a running, healthy database; wait for the instance to be ACTIVE and HEALTHY.',
});

export const AlreadyExists = defineError('AlreadyExists', {
  code: 'CELLAR_ALREADY_EXISTS',
  status: 400,
  message: '{resource} {name} already exists.',
  description: 'A database or user of that name is already on the instance.',
});

export const OverLimit = defineError('OverLimit', {
  code: 'CELLAR_OVER_LIMIT',
  status: 413,
  message: 'This request was rate-limited.',
  description:
    'Too many requests of this kind in the current minute; retry after Retry-After seconds.',
});

export const QuotaExceeded = defineError('QuotaExceeded', {
  code: 'CELLAR_QUOTA_EXCEEDED',
  status: 413,
  message: 'Quota exceeded for resources: {resources}.',
  description: "The project's quota does not allow the request; free resources or raise the quota.",
});

export const VolumeTooLarge = defineError('VolumeTooLarge', {
  code: 'CELLAR_VOLUME_TOO_LARGE',
  status: 413,
  message: 'Volume size {size} GB exceeds the maximum of {max} GB for one instance.',
  description: 'The requested volume is larger than [DEFAULT] max_accepted_volume_size allows.',
});

export const DatastoreOperationNotSupported = defineError('DatastoreOperationNotSupported', {
  code: 'CELLAR_DATASTORE_OPERATION_NOT_SUPPORTED',
  status: 501,
  message: "The '{operation}' operation is not supported for the '{datastore}' datastore.",
  description: 'The datastore plugin does not declare the capability the operation needs.',
});

export const GuestError = defineError('GuestError', {
  code: 'CELLAR_GUEST_ERROR',
  status: 500,
  message: 'An error occurred communicating with the guest: {reason}',
  description:
    'The guest agent failed while carrying out the operation; the message carries its reason.',
});

export const GuestTimeout = defineError('GuestTimeout', {
  code: 'CELLAR_GUEST_TIMEOUT',
  status: 504,
  message: "The guest of instance {instance} did not answer '{operation}' within {seconds} s.",
  description: 'The guest agent did not reply in time; it may be down or overloaded.',
});

export const GuestPrepareFailed = defineError('GuestPrepareFailed', {
  code: 'CELLAR_GUEST_PREPARE_FAILED',
  status: 500,
  message: 'The {datastore} server of instance {instance} failed to start: {reason}',
  description:
    "The guest could not initialise or start the database server; the reason is the guest's own.",
});

export const GuestStartFailed = defineError('GuestStartFailed', {
  code: 'CELLAR_GUEST_START_FAILED',
  status: 500,
  message: 'The guest agent of instance {instance} did not start: {reason}',
  description:
    "The compute driver started the instance's guest agent, but it exited or never answered; the reason carries the agent's own words.",
});

export const InstanceRecordUnreadable = defineError('InstanceRecordUnreadable', {
  code: 'CELLAR_INSTANCE_RECORD_UNREADABLE',
  status: 500,
  message:
    "The compute driver's record of instance {instance} cannot be read ({path}: {reason}); its data is kept",
  description:
    'The file in which the compute driver keeps what it knows of the instance is unreadable or damaged. Nothing of the instance is removed: an operator repairs the record (or deletes the instance).',
});

export const OperationInterrupted = defineError('OperationInterrupted', {
  code: 'CELLAR_OPERATION_INTERRUPTED',
  status: 500,
  message:
    "The {kind} operation of instance {instance} was interrupted at step '{step}' and cannot be resumed: {reason}",
  description:
    'The taskmanager stopped during an operation whose step cannot be repeated safely; the instance is left in ERROR for an operator to look at.',
});

export const ResizeFailed = defineError('ResizeFailed', {
  code: 'CELLAR_RESIZE_FAILED',
  status: 500,
  message: 'The resize of instance {instance} did not complete, and it keeps {kept}: {reason}',
  description:
    'A flavor or volume resize failed; the instance keeps the flavor or volume size named (the quota taken for the resize is given back) and its database is started again.',
});

export const ComputeDriverNotAvailable = defineError('ComputeDriverNotAvailable', {
  code: 'CELLAR_COMPUTE_DRIVER_NOT_AVAILABLE',
  status: 501,
  message: 'The {driver} compute driver cannot run instances here: {reason}',
  description:
    'The configured compute driver is not available; choose another with [DEFAULT] compute_driver.',
});

export const RpcTimeout = defineError('RpcTimeout', {
  code: 'CELLAR_RPC_TIMEOUT',
  status: 504,
  message: "No reply to '{method}' on topic {topic} within {seconds} s.",
  description:
    'The service or guest serving the topic did not answer in time; it may be down or overloaded.',
});

export const RpcUnavailable = defineError('RpcUnavailable', {
  code: 'CELLAR_RPC_UNAVAILABLE',
  status: 503,
  message: 'Nothing serves topic {topic}: {reason}',
  description:
    'No process listens on the topic (the service is not running, or the guest is gone).',
});

export const RpcConnectionLost = defineError('RpcConnectionLost', {
  code: 'CELLAR_RPC_CONNECTION_LOST',
  status: 503,
  message: 'The connection to the message broker was lost: {reason}',
  description:
    'RabbitMQ closed the connection or went away; the process stops so its supervisor can start it again.',
});

export const RpcRejected = defineError('RpcRejected', {
  code: 'CELLAR_RPC_REJECTED',
  status: 401,
  message: 'The {topic} server refused the message: {reason}',
  description:
    'The message was malformed, too old, or not signed with the key the receiver expects.',
});

export const RpcNoSuchMethod = defineError('RpcNoSuchMethod', {
  code: 'CELLAR_RPC_NO_SUCH_METHOD',
  status: 501,
  message: "The {topic} server has no method '{method}'.",
  description: 'The receiver does not implement the method; it may run an older version.',
});

export const RpcBadArguments = defineError('RpcBadArguments', {
  code: 'CELLAR_RPC_BAD_ARGUMENTS',
  status: 400,
  message: "Bad arguments for '{method}': {problems}",
  description: 'The arguments of an RPC message do not match what the method accepts.',
});

export const IdentityUnavailable = defineError('IdentityUnavailable', {
  code: 'CELLAR_IDENTITY_UNAVAILABLE',
  status: 503,
  message: 'The identity service (Keystone at {url}) is unavailable: {reason}.',
  description:
    "Keystone did not answer within [identity] keystone_timeout, could not be reached, failed, or refused Cellar's own service user; the message says which and what to check.",
});

export const ConfigurationInvalid = defineError('ConfigurationInvalid', {
  code: 'CELLAR_CONFIGURATION_INVALID',
  status: 500,
  message: 'The configuration has {count} problem(s):\n{report}',
  description:
    'A configuration source has unknown keys or values of the wrong type or range; start-up stops.',
});

export const PluginLoadFailed = defineError('PluginLoadFailed', {
  code: 'CELLAR_PLUGIN_LOAD_FAILED',
  status: 500,
  message: 'Plugins could not be loaded ({count} problem(s)):\n{report}',
  description:
    'An enabled plugin is missing, invalid, duplicated, built for another contract or failed to import.',
});

export const PayloadTooLarge = defineError('PayloadTooLarge', {
  code: 'CELLAR_PAYLOAD_TOO_LARGE',
  status: 413,
  message: 'The request body is larger than {limit} bytes.',
  description: "The body exceeds the API's limit; no Cellar request needs a body that large.",
});

export const UnsupportedMediaType = defineError('UnsupportedMediaType', {
  code: 'CELLAR_UNSUPPORTED_MEDIA_TYPE',
  status: 415,
  message: "Request bodies must be JSON (Content-Type: application/json), not '{contentType}'.",
  description: 'The request body was sent with a content type other than JSON.',
});

export const UriTooLong = defineError('UriTooLong', {
  code: 'CELLAR_URI_TOO_LONG',
  status: 414,
  message: 'A segment of the request path is longer than {limit} characters.',
  description: 'An id or name in the URL is longer than any Cellar resource can have.',
});

export const InternalError = defineError('InternalError', {
  code: 'CELLAR_INTERNAL_ERROR',
  status: 500,
  message: 'Internal error: {reason}',
  description: 'An unexpected failure; the cause is kept for the logs.',
});

export const errorCatalog = [
  BadRequest,
  ValidationFailed,
  Unauthorized,
  Forbidden,
  CrossSiteRefused,
  WrongProject,
  NotFound,
  DatastoreNotFound,
  InstanceBusy,
  InstanceNotReady,
  AlreadyExists,
  OverLimit,
  QuotaExceeded,
  VolumeTooLarge,
  DatastoreOperationNotSupported,
  GuestError,
  GuestTimeout,
  GuestPrepareFailed,
  GuestStartFailed,
  InstanceRecordUnreadable,
  OperationInterrupted,
  ResizeFailed,
  ComputeDriverNotAvailable,
  RpcTimeout,
  RpcUnavailable,
  RpcConnectionLost,
  RpcRejected,
  RpcNoSuchMethod,
  RpcBadArguments,
  IdentityUnavailable,
  ConfigurationInvalid,
  PluginLoadFailed,
  PayloadTooLarge,
  UnsupportedMediaType,
  UriTooLong,
  ...backupStorageErrors,
  ...backupErrors,
  ...guestBackupErrors,
  ...adminErrors,
  ...configurationErrors,
  ...configurationGuestErrors,
  ...replicationErrors,
  InternalError,
] as const;
