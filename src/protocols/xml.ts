/** A tiny string-building XML writer shared by the XML protocols (faster than any builder library). */

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;', '\r': '&#xD;', '\n': '&#xA;' };

/** Escapes text content and attribute values. Newlines are kept literally in text. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESC[c]!);
}

export const XML_DECL = '<?xml version="1.0" encoding="UTF-8"?>';

export function element(name: string, inner: string, attrs?: Record<string, string>): string {
  let a = '';
  if (attrs) for (const [k, v] of Object.entries(attrs)) a += ` ${k}="${escapeXml(v)}"`;
  return `<${name}${a}>${inner}</${name}>`;
}
