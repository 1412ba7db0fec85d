/** Time-ordered ids (UUIDv7 without dashes): sortable, so cursor pagination can order by id. */
export function newId(): string {
  return Bun.randomUUIDv7().replaceAll("-", "");
}
