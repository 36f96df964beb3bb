/**
 * `text` cut to at most `max` characters, marked with `...` where it was cut: what the agent sends of
 * an error the API takes only so long (a QEMU log tail can run to kilobytes).
 */
export function clipText(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}
