/** Text from a serial console made safe for XML, HTML and Markdown: no escape sequences, no C0 controls. */

// CSI (ESC [ ... final), OSC (ESC ] ... BEL or ESC \), and two-byte escapes such as SeaBIOS's ESC c (reset).
// eslint-disable-next-line no-control-regex
const ESCAPE_SEQUENCES = /\u001b(?:\[[0-?]*[ -/]*[@-~]|\][^\u0007\u001b]*(?:\u0007|\u001b\\)|[@-Z\\-_a-z0-9=<>()#%*+]{1,2})/g;
// C0 controls except tab and newline, DEL, C1 controls, lone surrogates and the two non-characters XML 1.0 forbids.
// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\ud800-\udfff\ufffe\uffff]/g;

/** Drop terminal escape sequences, turn CR into nothing, and replace other controls with U+FFFD. */
export function cleanConsole(s: string): string {
  return s.replace(ESCAPE_SEQUENCES, '').replace(/\r/g, '').replace(FORBIDDEN, '\ufffd');
}

const XML_ESC: Record<string, string> = { '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' };

/** Escape for an XML (or HTML) attribute or text node, after cleaning. */
export function escapeXml(s: string): string {
  return cleanConsole(s).replace(/[<>&"']/g, (c) => XML_ESC[c]!);
}

/** One Markdown table cell: no pipes, no newlines. */
export function mdCell(s: string): string {
  return cleanConsole(s).replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

export function seconds(ms: number | undefined): string {
  return ms === undefined ? '-' : `${(ms / 1000).toFixed(1)} s`;
}
