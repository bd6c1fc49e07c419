// The errors of configuration groups, declared once like the rest of the catalog (which lists
// them): a refused value names the parameter, the value and the rule it breaks.

import { defineError } from './cellar-error.js';

export const ConfigurationValuesInvalid = defineError('ConfigurationValuesInvalid', {
  code: 'CELLAR_CONFIGURATION_VALUES_INVALID',
  status: 422,
  message: 'Configuration values refused: {problems}',
  description:
    "A configuration group's values break the datastore version's parameter rules (unknown parameter, wrong type, out of bounds, not one of the choices, more memory than the flavor has); each problem names the parameter, the value and the rule.",
});

export const ConfigurationNotSupported = defineError('ConfigurationNotSupported', {
  code: 'CELLAR_CONFIGURATION_NOT_SUPPORTED',
  status: 422,
  message: 'Configuration groups are not supported for {datastore} version {version}: {reason}',
  description:
    'The datastore version has no parameter catalog, so no configuration group can be made or attached for it.',
});

export const ConfigurationAttached = defineError('ConfigurationAttached', {
  code: 'CELLAR_CONFIGURATION_ATTACHED',
  status: 400,
  message:
    'A configuration group cannot be deleted if it is associated with one or more non-terminated instances. Detach configuration group {id} from instance(s) {instances} and please try again.',
  description: 'DELETE of a configuration group that is still attached to an instance.',
});

export const ConfigurationAlreadyAttached = defineError('ConfigurationAlreadyAttached', {
  code: 'CELLAR_CONFIGURATION_ALREADY_ATTACHED',
  status: 400,
  message:
    'Instance {instance} already has a Configuration Group attached: {configuration}. Detach it first.',
  description: 'Attaching a configuration group to an instance that has one.',
});

export const ConfigurationMismatch = defineError('ConfigurationMismatch', {
  code: 'CELLAR_CONFIGURATION_MISMATCH',
  status: 400,
  message:
    'Configuration group {configuration} is for {wanted}, but instance {instance} runs {actual}.',
  description:
    'A configuration group is made for one datastore version and attaches only to instances of it.',
});

export const ConfigurationApplyFailed = defineError('ConfigurationApplyFailed', {
  code: 'CELLAR_CONFIGURATION_APPLY_FAILED',
  status: 500,
  message: 'Configuration {configuration} could not be applied to instance {instance}: {reason}',
  description:
    "The guest refused the group's values (the message names the parameter and the server's refusal); the instance's previous values and group were restored.",
});

export const configurationErrors = [
  ConfigurationValuesInvalid,
  ConfigurationNotSupported,
  ConfigurationAttached,
  ConfigurationAlreadyAttached,
  ConfigurationMismatch,
  ConfigurationApplyFailed,
] as const;
