// Deleting one backup from the backups page, behind a second click that names it, so a slip
// cannot delete the copy a restore would need.

import { useState } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useProjectApi } from '../queries';
import { FormError } from './form-error';
import type { Backup } from '../types';

export function DeleteBackup({ backup }: { readonly backup: Backup }) {
  const api = useProjectApi();
  const client = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const remove = useMutation({
    mutationFn: () => api('DELETE', `/backups/${backup.id}`),
    onSuccess: () => client.invalidateQueries({ queryKey: ['backups'] }),
  });
  if (!confirming)
    return (
      <button
        type="button"
        onClick={() => setConfirming(true)}
        aria-label={`Delete ${backup.name}`}
      >
        Delete
      </button>
    );
  return (
    <div role="group" aria-label={`Confirm deleting ${backup.name}`}>
      <p>Delete {backup.name} for good?</p>
      <div className="button-row">
        <button
          type="button"
          className="destructive"
          disabled={remove.isPending || remove.isSuccess}
          onClick={() => remove.mutate()}
        >
          {remove.isSuccess ? 'Deleting…' : 'Delete backup'}
        </button>
        <button type="button" onClick={() => setConfirming(false)} autoFocus>
          Cancel
        </button>
      </div>
      <FormError error={remove.error} />
    </div>
  );
}
