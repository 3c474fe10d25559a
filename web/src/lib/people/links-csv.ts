/** One field as RFC 4180 has it: quoted when it holds a comma, a quote or a line break (quotes doubled). */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/**
 * The set-password links of an import as a CSV to hand on (username, link, expires), with a BOM so that a spreadsheet
 * reads it as UTF-8.
 */
export function linksCsv(links: readonly { username: string; url: string; expiresAt: string }[]): string {
  const lines = [['username', 'link', 'expires'], ...links.map((l) => [l.username, l.url, l.expiresAt])];
  return `\uFEFF${lines.map((fields) => fields.map(csvField).join(',')).join('\r\n')}\r\n`;
}
