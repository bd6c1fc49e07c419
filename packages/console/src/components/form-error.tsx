// A mutation's refusal, worded by the API, announced to screen readers.

import { errorText } from '../api';

export function FormError({ error, id }: { readonly error: unknown; readonly id?: string }) {
  if (!error) return null;
  return (
    <p className="error" role="alert" id={id}>
      {errorText(error)}
    </p>
  );
}
