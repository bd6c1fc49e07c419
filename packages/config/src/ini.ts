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

function unquote(value: string): string {
  const first = value[0];
  if (value.length >= 2 && (first === '"' || first === "'") && value.endsWith(first))
    return value.slice(1, -1);
  return value;
}

export function parseIni(text: string): IniFile {
  const entries: { section: string; key: string; value: string; line: number }[] = [];
  const problems: IniProblem[] = [];
  let section: string | undefined;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const raw = (lines[i] ?? '').replace(/\r$/, '');
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith(';')) continue;
    const previous = entries.at(-1);
    if (/^\s/.test(raw) && previous && previous.line <= lineNo) {
      previous.value = `${previous.value}\n${trimmed}`;
      continue;
    }
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
    entries.push({
      section,
      key: trimmed.slice(0, at).trim(),
      value: unquote(trimmed.slice(at + 1).trim()),
      line: lineNo,
    });
  }
  return { entries, problems };
}
