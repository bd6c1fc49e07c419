// The queries pages share, keyed so that the event stream's updates land in them.

import { useQuery } from '@tanstack/react-query';
import { call, v1 } from './api';
import { usePolling } from './live';
import { useSession } from './session';
import type {
  Backup,
  ConfigurationGroup,
  Datastore,
  DbUser,
  Flavor,
  Instance,
  Named,
  Operation,
} from './types';

/** Every read of the project's API, with the project in the path. */
export function useProjectApi() {
  const { project_id: project } = useSession();
  return <T>(method: string, path: string, body?: unknown) =>
    call<T>(method, v1(project, path), body);
}

export function useInstances() {
  const api = useProjectApi();
  return useQuery({
    queryKey: ['instances'],
    queryFn: async () => (await api<{ instances: Instance[] }>('GET', '/instances')).instances,
    refetchInterval: usePolling(5_000),
  });
}

export function useInstance(id: string) {
  const api = useProjectApi();
  return useQuery({
    queryKey: ['instance', id],
    queryFn: async () => (await api<{ instance: Instance }>('GET', `/instances/${id}`)).instance,
    refetchInterval: usePolling(3_000),
  });
}

export function useOperations(id: string) {
  const api = useProjectApi();
  return useQuery({
    queryKey: ['operations', id],
    queryFn: async () =>
      (await api<{ operations: Operation[] }>('GET', `/instances/${id}/operations`)).operations,
    refetchInterval: usePolling(3_000),
  });
}

export function useDatabases(id: string, enabled: boolean) {
  const api = useProjectApi();
  return useQuery({
    queryKey: ['databases', id],
    queryFn: async () =>
      (await api<{ databases: Named[] }>('GET', `/instances/${id}/databases`)).databases,
    enabled,
  });
}

export function useUsers(id: string, enabled: boolean) {
  const api = useProjectApi();
  return useQuery({
    queryKey: ['users', id],
    queryFn: async () => (await api<{ users: DbUser[] }>('GET', `/instances/${id}/users`)).users,
    enabled,
  });
}

export function useDatastores() {
  const api = useProjectApi();
  return useQuery({
    queryKey: ['datastores'],
    queryFn: async () => (await api<{ datastores: Datastore[] }>('GET', '/datastores')).datastores,
    staleTime: 60_000,
  });
}

export function useFlavors() {
  const api = useProjectApi();
  return useQuery({
    queryKey: ['flavors'],
    queryFn: async () => (await api<{ flavors: Flavor[] }>('GET', '/flavors')).flavors,
    staleTime: 60_000,
  });
}

export function useBackups() {
  const api = useProjectApi();
  return useQuery({
    queryKey: ['backups'],
    queryFn: async () => (await api<{ backups: Backup[] }>('GET', '/backups')).backups,
    refetchInterval: usePolling(10_000),
  });
}

export function useConfigurations() {
  const api = useProjectApi();
  return useQuery({
    queryKey: ['configurations'],
    queryFn: async () =>
      (await api<{ configurations: ConfigurationGroup[] }>('GET', '/configurations'))
        .configurations,
  });
}
