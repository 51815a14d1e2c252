/** Makes ids unique across a server's whole life: a CLI retries forever when it sees an id twice. */
export class UniqueIds {
  private counter = 0;

  /** A new id starting with `prefix`. */
  next(prefix: string): string {
    this.counter += 1;
    return `${prefix}${Date.now().toString(36)}${this.counter.toString().padStart(4, '0')}`;
  }
}
