// The error a guest reports when its database server refuses a configuration-group value,
// declared once like the rest of the catalog (which lists it).

import { defineError } from './cellar-error.js';

export const ConfigurationParameterRefused = defineError('ConfigurationParameterRefused', {
  code: 'CELLAR_CONFIGURATION_PARAMETER_REFUSED',
  status: 422,
  message: 'The {datastore} server of instance {instance} refused {parameter} = {value}: {reason}',
  description:
    "The database server refused a configuration group's value when it was applied (the message names the parameter, the value and the server's own reason); the group's previous values are put back.",
});

export const configurationGuestErrors = [ConfigurationParameterRefused] as const;
