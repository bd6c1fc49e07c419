// A reader for configuration files in oslo.config's INI syntax: [sections], `key = value` (or
// `key: value`), `#`/`;` comment lines, indented continuation lines, and quoted values.

export interface IniEntry {
  readonly section: string;
  readonly key: string;
  readonly value: string;
  readonly line: number;
}

export interface IniProblem {
  readonly line: number;
  readonly message: string;
}

export interface IniFile {
  readonly entries: readonly IniEntry[];
  readonly problems: readonly IniProblem[];
}

type OpenEntry = { -readonly [K in keyof IniEntry]: IniEntry[K] };

function unquote(value: string): string {
  const first = value[0];
  if (value.length >= 2 && (first === '"' || first === "'") && value.endsWith(first))
    return value.slice(1, -1);
  return value;
}

export function parseIni(text: string): IniFile {
  const entries: OpenEntry[] = [];
  const problems: IniProblem[] = [];
  let section: string | undefined;
  // As in oslo.config, a value stays open for continuation lines only until a blank line, an
  // unindented comment, a section header or the next setting; an indented line then is an error.
  let open: OpenEntry | undefined;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const raw = (lines[i] ?? '').replace(/\r$/, '');
    const trimmed = raw.trim();
    const indented = /^\s/.test(raw);
    const comment = trimmed.startsWith('#') || trimmed.startsWith(';');
    if (trimmed === '' || (comment && !indented)) open = undefined;
    if (trimmed === '' || comment) continue;
    if (indented) {
      if (open) open.value = `${open.value}\n${trimmed}`;
      else
        problems.push({
          line: lineNo,
          message: `unexpected continuation line '${trimmed}': no value is open (a blank line, comment or section header ends one)`,
        });
      continue;
    }
    open = undefined;
    if (trimmed.startsWith('[')) {
      const m = /^\[([^\]]*)\]$/.exec(trimmed);
      if (!m || (m[1] ?? '').trim() === '') {
        problems.push({
          line: lineNo,
          message: `'${trimmed}' is not a section header; expected [name]`,
        });
        section = undefined;
        continue;
      }
      section = (m[1] ?? '').trim();
      continue;
    }
    const at = trimmed.search(/[=:]/);
    if (at <= 0) {
      problems.push({
        line: lineNo,
        message: `'${trimmed}' is not a setting; expected key = value`,
      });
      continue;
    }
    if (section === undefined) {
      problems.push({
        line: lineNo,
        message: `'${trimmed}' comes before any [section]; put it under [DEFAULT] or its group`,
      });
      continue;
    }
    const entry: OpenEntry = {
      section,
      key: trimmed.slice(0, at).trim(),
      value: unquote(trimmed.slice(at + 1).trim()),
      line: lineNo,
    };
    entries.push(entry);
    open = entry;
  }
  return { entries, problems };
}
