/** One CSV table: a header and rows of numbers and plain strings (RFC 4180 quoting when needed). */
export class CsvTable<K extends string> {
  private readonly rows: string[] = [];

  constructor(private readonly columns: readonly K[]) {}

  add(row: Record<K, string | number>): void {
    this.rows.push(this.columns.map((c) => cell(row[c])).join(","));
  }

  get length(): number {
    return this.rows.length;
  }

  toString(): string {
    return [this.columns.join(","), ...this.rows].join("\n") + "\n";
  }
}

function cell(v: string | number): string {
  if (typeof v === "number") {
    return Number.isInteger(v) ? String(v) : v.toFixed(3);
  }
  return /[",\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
}
