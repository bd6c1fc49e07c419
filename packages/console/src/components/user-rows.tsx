// The initial users of a new instance: a row each (name, password, databases), added and
// removed with buttons, every field labelled.

export interface UserRow {
  readonly name: string;
  readonly password: string;
  readonly databases: string;
}

export function UserRows({
  rows,
  onChange,
}: {
  readonly rows: UserRow[];
  readonly onChange: (rows: UserRow[]) => void;
}) {
  const set = (index: number, field: keyof UserRow, value: string) =>
    onChange(rows.map((r, i) => (i === index ? { ...r, [field]: value } : r)));
  return (
    <fieldset>
      <legend>Users</legend>
      {rows.map((row, i) => (
        <div className="user-row" key={i}>
          <label>
            User {i + 1} name
            <input
              value={row.name}
              onChange={(e) => set(i, 'name', e.target.value)}
              autoComplete="off"
            />
          </label>
          <label>
            User {i + 1} password
            <input
              type="password"
              value={row.password}
              onChange={(e) => set(i, 'password', e.target.value)}
              autoComplete="new-password"
            />
          </label>
          <label>
            User {i + 1} databases
            <input
              value={row.databases}
              onChange={(e) => set(i, 'databases', e.target.value)}
              placeholder="appdb"
            />
          </label>
          <button
            type="button"
            onClick={() => onChange(rows.filter((_, j) => j !== i))}
            aria-label={`Remove user ${i + 1}`}
          >
            Remove
          </button>
        </div>
      ))}
      <button
        type="button"
        onClick={() => onChange([...rows, { name: '', password: '', databases: '' }])}
      >
        Add a user
      </button>
    </fieldset>
  );
}
