// Where a configuration value came from, kept for every value so errors and `config show` can
// point at the file and line, environment variable or flag that set it.

export type Location =
  | { readonly kind: 'default' }
  | { readonly kind: 'file'; readonly path: string; readonly line?: number }
  | { readonly kind: 'env'; readonly variable: string }
  | { readonly kind: 'cli'; readonly flag: string };

export function formatLocation(location: Location): string {
  switch (location.kind) {
    case 'default':
      return 'default';
    case 'file':
      return location.line === undefined ? location.path : `${location.path}:${location.line}`;
    case 'env':
      return `environment ${location.variable}`;
    case 'cli':
      return `flag ${location.flag}`;
  }
}
