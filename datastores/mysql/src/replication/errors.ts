// The refusal a server gives when asked to follow a source whose history lacks some of its own
// transactions (a former source with writes its replicas never got): the catalog's error.

export { ReplicaDiverged } from '@cellar/plugin-api';
