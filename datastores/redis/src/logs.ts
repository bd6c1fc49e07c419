// Redis' log for the guest agent: its one log file (`error`, SYS), as for the other datastores the
// server's own log. Redis keeps its slow log in memory (SLOWLOG GET), not in a file, so it is not
// among the logs that are published.

import type { DatastoreLogFile } from '@cellar/plugin-api';

export function redisLogs(logFile: string): DatastoreLogFile[] {
  return [{ name: 'error', type: 'SYS', file: logFile }];
}
