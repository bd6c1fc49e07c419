// The project switch: shown when the user holds a role on more than one project (an admin
// looking after several), it rescopes the session without asking for the password again.

import { useState } from 'react';
import { errorText } from '../api';
import { useSession } from '../session';

export function ProjectSwitch() {
  const session = useSession();
  const [error, setError] = useState<string>();
  if (session.projects.length < 2)
    return <span className="project">Project {session.project_name}</span>;
  return (
    <label className="project">
      Project
      <select
        value={session.project_id}
        onChange={(e) => {
          session.switchProject(e.target.value).catch((x: unknown) => setError(errorText(x)));
        }}
      >
        {session.projects.map((p) => (
          <option key={p.id} value={p.id}>
            {p.name}
          </option>
        ))}
      </select>
      {error && <span role="alert">{error}</span>}
    </label>
  );
}
