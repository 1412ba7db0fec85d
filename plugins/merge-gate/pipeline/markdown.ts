/**
 * Text a pull request or a model wrote, made inert for GitHub's markdown: every ASCII character with a markdown or
 * HTML meaning is backslash-escaped (CommonMark renders it literally: no headings, links, images, HTML, code or
 * suggestion fences), and `@` gets a zero-width space after it so nobody is mentioned (a finding must not page
 * `@org/security`). `inline` also folds line breaks, for titles inside tables and bold labels.
 */
export function inert(text: string, options: { inline?: boolean } = {}): string {
  const escaped = text.replace(/[\\`*_{}[\]()#+\-.!|~<>&="':]/g, "\\$&").replace(/@/g, "@\u200b");
  return options.inline ? escaped.replace(/\s*[\r\n]+\s*/g, " ") : escaped;
}
